package core

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// NormalizeMAC lower-cases a MAC and drops ':' and '-' separators, so
// "AA:BB:CC:00:11:22" and "aabbcc001122" name the same device. It returns
// ErrInvalidInput unless the result is 6 to 64 hex characters (modules use
// 12; some gateways report longer hardware ids).
func NormalizeMAC(mac string) (string, error) {
	mac = strings.ToLower(strings.NewReplacer(":", "", "-", "").Replace(strings.TrimSpace(mac)))
	if len(mac) < 6 || len(mac) > 64 {
		return "", invalidInput("mac", "must be 6 to 64 hex characters")
	}
	for i := 0; i < len(mac); i++ {
		c := mac[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", invalidInput("mac", "must be hex")
		}
	}
	return mac, nil
}

// validPasscode accepts what GAgent can send: 1 to 16 printable ASCII
// characters without spaces (it refuses longer passwords, notes §1.2).
func validPasscode(p string) bool {
	if len(p) == 0 || len(p) > 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] > '~' {
			return false
		}
	}
	return true
}

// RegisterDevice is the device's own registration (POST /dev/devices): the
// same product key and MAC always get the same did, and the passcode the
// device sends becomes its MQTT password. A re-registration (a
// factory-reset module) replaces the passcode and closes any session opened
// with the old one.
func (n *Node) RegisterDevice(ctx context.Context, productKey, mac, passcode string) (store.Device, bool, error) {
	mac, err := NormalizeMAC(mac)
	if err != nil {
		return store.Device{}, false, err
	}
	if !validPasscode(passcode) {
		return store.Device{}, false, invalidInput("passcode", "must be 1 to 16 printable characters")
	}
	if _, err := n.Schema(ctx, productKey); err != nil {
		return store.Device{}, false, err
	}
	d, created, err := n.store.RegisterDevice(ctx, store.Device{
		DID: NewDID(), ProductKey: productKey, MAC: mac, Passcode: passcode,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, false, ErrProductNotFound
	}
	if err != nil {
		return store.Device{}, false, err
	}
	if !created {
		// The device is bootstrapping again (reset, new passcode): a session
		// opened with the old credentials must not outlive them.
		n.Disconnect(ctx, d.DID, "device registered again")
	}
	return d, created, nil
}

// Device returns one device.
func (n *Node) Device(ctx context.Context, did string) (store.Device, error) {
	d, err := n.store.GetDevice(ctx, did)
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, ErrDeviceNotFound
	}
	return d, err
}

// AuthenticateDevice checks a device's MQTT credentials in constant time.
func (n *Node) AuthenticateDevice(ctx context.Context, did, passcode string) (store.Device, error) {
	if !IsDID(did) {
		return store.Device{}, ErrBadCredentials
	}
	d, err := n.store.GetDevice(ctx, did)
	if errors.Is(err, store.ErrNotFound) {
		return store.Device{}, ErrBadCredentials
	}
	if err != nil {
		return store.Device{}, err
	}
	if subtle.ConstantTimeCompare([]byte(d.Passcode), []byte(passcode)) != 1 {
		return store.Device{}, ErrBadCredentials
	}
	if d.Disabled {
		return store.Device{}, ErrDeviceDisabled
	}
	return d, nil
}

// UnregisterDevice is the device's own DELETE /dev/devices: it needs the
// passcode, removes the device, and closes its session.
func (n *Node) UnregisterDevice(ctx context.Context, did, passcode string) error {
	d, err := n.store.GetDevice(ctx, did)
	if errors.Is(err, store.ErrNotFound) {
		return ErrBadCredentials
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(d.Passcode), []byte(passcode)) != 1 {
		return ErrBadCredentials
	}
	return n.DeleteDevice(ctx, did)
}

// DeleteDevice removes a device, its state and its bindings, tells the
// bound users, and closes its session.
func (n *Node) DeleteDevice(ctx context.Context, did string) error {
	bound, err := n.store.ListDeviceBindings(ctx, did)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var pushes []store.Push
	if len(bound) > 0 {
		d, err := n.store.GetDevice(ctx, did)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, b := range bound {
			p, err := n.follower.ForBinding(ctx, b.UID, did, d.ProductKey, false, now)
			if err != nil {
				n.follower.Unwritten(pushes)
				return err
			}
			pushes = append(pushes, p...)
		}
	}
	if err := n.store.DeleteDevice(ctx, did, pushes...); err != nil {
		n.follower.Unwritten(pushes)
		if errors.Is(err, store.ErrNotFound) {
			return ErrDeviceNotFound
		}
		return err
	}
	n.follower.Written(pushes)
	n.follower.DeviceChanged(ctx, did)
	n.states.forget(did)
	for _, b := range bound {
		n.publishJSON(ctx, SubjectUserBinding(b.UID), BindingEvent{UID: b.UID, DID: did, Bind: false, At: now})
	}
	n.Disconnect(ctx, did, "device deleted")
	return nil
}

// SetDeviceDisabled disables or re-enables a device. A disabled device is
// refused at CONNECT and its current session is closed.
func (n *Node) SetDeviceDisabled(ctx context.Context, did string, disabled bool) error {
	if err := n.store.SetDeviceDisabled(ctx, did, disabled); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrDeviceNotFound
		}
		return err
	}
	if disabled {
		n.Disconnect(ctx, did, "device disabled")
	}
	return nil
}

// Disconnect asks whichever node holds the device's session to close it.
func (n *Node) Disconnect(ctx context.Context, did, reason string) {
	n.publishJSON(ctx, SubjectControl(did), Control{Kind: ControlDisconnect, DID: did, Reason: reason, IssuedAt: time.Now()})
}

// AppSessions is how many app sessions watch the device (cli2ser_req 0x020F).
func (n *Node) AppSessions(did string) int {
	c, err := n.presence.Count(did)
	if err != nil {
		// What the presence could count (a shared one: this node's own
		// sessions) beats nothing.
		n.log.Warn("presence count", "did", did, "err", err)
	}
	return c
}
