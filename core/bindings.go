package core

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// ErrNotBound: the user has no binding to that device (Gizwits 9017).
var ErrNotBound = errors.New("core: device not bound")

// SubjectUserBinding carries BindingEvents of one user, so every session of
// that user (on any node) learns of bindings made or removed by any path.
func SubjectUserBinding(uid string) string { return "sb.user." + uid + ".binding" }

// PatternAllUserBindings matches SubjectUserBinding for every user.
const PatternAllUserBindings = "sb.user.*.binding"

// BindingEvent says a binding was made (Bind) or removed.
type BindingEvent struct {
	UID  string    `json:"uid"`
	DID  string    `json:"did"`
	Bind bool      `json:"bind"`
	At   time.Time `json:"at"`
}

// BindOptions are the user's notes on a device.
type BindOptions struct {
	Remark, Alias string
}

// BindDevice binds a device to a user who proves possession with its
// passcode (POST /app/bindings). Binding an already bound device succeeds
// and changes nothing.
func (n *Node) BindDevice(ctx context.Context, uid, did, passcode string, o BindOptions) (store.Binding, error) {
	d, err := n.store.GetDevice(ctx, did)
	if errors.Is(err, store.ErrNotFound) || (err == nil && subtle.ConstantTimeCompare([]byte(d.Passcode), []byte(passcode)) != 1) {
		return store.Binding{}, ErrBadCredentials
	}
	if err != nil {
		return store.Binding{}, err
	}
	return n.bind(ctx, uid, d, o)
}

// BindByMAC binds the device of a product with that MAC (POST
// /app/bind_mac). The caller has checked the request's product signature.
func (n *Node) BindByMAC(ctx context.Context, uid, productKey, mac string, o BindOptions) (store.Binding, store.Device, error) {
	mac, err := NormalizeMAC(mac)
	if err != nil {
		return store.Binding{}, store.Device{}, err
	}
	d, err := n.store.FindDeviceByMAC(ctx, productKey, mac)
	if errors.Is(err, store.ErrNotFound) {
		return store.Binding{}, store.Device{}, ErrDeviceNotFound
	}
	if err != nil {
		return store.Binding{}, store.Device{}, err
	}
	b, err := n.bind(ctx, uid, d, o)
	return b, d, err
}

func (n *Node) bind(ctx context.Context, uid string, d store.Device, o BindOptions) (store.Binding, error) {
	if d.Disabled {
		return store.Binding{}, ErrDeviceDisabled
	}
	if len(o.Remark) > 1024 || len(o.Alias) > 256 {
		return store.Binding{}, invalidInput("", "remark or dev_alias too long")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	pushes, err := n.follower.ForBinding(ctx, uid, d.DID, d.ProductKey, true, now)
	if err != nil {
		return store.Binding{}, err
	}
	b, created, err := n.store.Bind(ctx, store.Binding{
		UID: uid, DID: d.DID, Remark: o.Remark, Alias: strings.TrimSpace(o.Alias), CreatedAt: now,
	}, pushes...)
	if err != nil || !created {
		n.follower.Unwritten(pushes) // an existing binding enqueues nothing
	}
	if err != nil {
		return store.Binding{}, err
	}
	if created {
		n.follower.Written(pushes)
		n.publishJSON(ctx, SubjectUserBinding(uid), BindingEvent{UID: uid, DID: d.DID, Bind: true, At: b.CreatedAt})
	}
	return b, nil
}

// Unbind removes a user's binding; sessions of that user stop receiving the
// device's events at once (they act on the BindingEvent).
func (n *Node) Unbind(ctx context.Context, uid, did string) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	var productKey string
	if d, err := n.store.GetDevice(ctx, did); err == nil {
		productKey = d.ProductKey
	}
	pushes, err := n.follower.ForBinding(ctx, uid, did, productKey, false, now)
	if err != nil {
		return err
	}
	if err := n.store.Unbind(ctx, uid, did, pushes...); err != nil {
		n.follower.Unwritten(pushes)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotBound
		}
		return err
	}
	n.follower.Written(pushes)
	// The subscriptions made through this binding went with it.
	n.follower.DeviceChanged(ctx, did)
	n.publishJSON(ctx, SubjectUserBinding(uid), BindingEvent{UID: uid, DID: did, Bind: false, At: time.Now().UTC()})
	return nil
}

// Binding is the authorization check of every app-side device access: it
// returns the user's binding to the device or ErrNotBound.
func (n *Node) Binding(ctx context.Context, uid, did string) (store.Binding, error) {
	b, err := n.store.GetBinding(ctx, uid, did)
	if errors.Is(err, store.ErrNotFound) {
		return store.Binding{}, ErrNotBound
	}
	return b, err
}

// Bindings lists a user's bindings.
func (n *Node) Bindings(ctx context.Context, uid string, limit, offset int) ([]store.Binding, error) {
	return n.store.ListUserBindings(ctx, uid, limit, offset)
}

// DeviceBindings lists the users a device is bound to (a watch on the
// relay acts for one of them).
func (n *Node) DeviceBindings(ctx context.Context, did string) ([]store.Binding, error) {
	return n.store.ListDeviceBindings(ctx, did)
}

// UpdateBinding changes the user's notes on a bound device.
func (n *Node) UpdateBinding(ctx context.Context, b store.Binding) error {
	err := n.store.UpdateBinding(ctx, b)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotBound
	}
	return err
}
