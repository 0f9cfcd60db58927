package relay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Handle is one registered endpoint. Its fields never change after
// registration; listening is guarded by the Relay's lock.
type Handle struct {
	ic    *Relay
	watch bool
	uid   string
	pkg   string
	fp    string
	did   string // watch only
	ep    Endpoint
	since time.Time // registration: a device Control issued later spares it
	id    string    // the session among all nodes' sessions (nodes.go)

	grant  core.TokenGrant // phone: the token it authenticated with
	expiry *time.Timer     // phone: ends it when grant expires

	listening map[string]bool // phone: watch dids whose messages it takes
	gone      bool
}

// UID is the account the endpoint acts for.
func (h *Handle) UID() string { return h.uid }

// ErrAmbiguousUser: a watch bound to several users must name one.
var ErrAmbiguousUser = errors.New("relay: the watch is bound to several users; name user_id")

// AuthenticateWatch checks a watch's device credentials and returns the
// user it acts for: the one it is bound to, or uid when given (it must be
// bound to it). core.ErrBadCredentials, core.ErrDeviceDisabled, core.ErrNotBound or
// ErrAmbiguousUser otherwise.
func (ic *Relay) AuthenticateWatch(ctx context.Context, did, passcode, uid string) (string, error) {
	if _, err := ic.id.AuthenticateDevice(ctx, did, passcode); err != nil {
		return "", err
	}
	if uid != "" {
		if _, err := ic.id.Binding(ctx, uid, did); err != nil {
			return "", err
		}
		return uid, nil
	}
	bs, err := ic.id.DeviceBindings(ctx, did)
	if err != nil {
		return "", err
	}
	switch len(bs) {
	case 0:
		return "", core.ErrNotBound
	case 1:
		return bs[0].UID, nil
	}
	return "", ErrAmbiguousUser
}

// AuthenticatePhone checks a phone app's token and returns the user it acts
// for and the grant its session lives by (access.go ends the session with
// the token).
func (ic *Relay) AuthenticatePhone(ctx context.Context, appID, token string) (string, core.TokenGrant, error) {
	u, grant, err := ic.id.AuthToken(ctx, appID, token)
	if err != nil {
		return "", core.TokenGrant{}, err
	}
	return u.UID, grant, nil
}

// RegisterWatch records the watch app durably ("installed") and connects
// it. A previous session of the same app on the same watch is closed: a
// quick app has one connection (on another node, by that node when it
// hears of this one). The watch learns at once whether its pair is open
// (EventOpen) or why it cannot be (EventError); what other nodes hold
// arrives in their answers to this node's state, with the same events.
//
// welcome runs once the registration is durable and before any event
// reaches ep, so the adapter can answer the hello first.
func (ic *Relay) RegisterWatch(ctx context.Context, uid, did, pkg string, cert Cert, ep Endpoint, welcome func()) (*Handle, error) {
	h := &Handle{ic: ic, watch: true, uid: uid, did: did, pkg: pkg, fp: cert.Fingerprint(), ep: ep, since: time.Now()}
	if err := ic.save(ctx, h); err != nil {
		return nil, err
	}
	phones, err := ic.store.ListInterconnectPhoneApps(ctx, uid, pkg)
	if err != nil {
		return nil, err
	}
	if err := ic.listen(h); err != nil {
		return nil, err
	}
	ic.mu.Lock()
	defer ic.unlockPublish()
	welcome()
	if old := ic.watches[watchKey{uid, did, pkg}]; old != nil {
		ic.unregisterLocked(old, 1001, "replaced by a newer connection of the watch app")
		old.ep.Close(4409, "replaced by a newer connection of the same watch app")
	}
	again, _ := ic.watchLiveLocked(uid, did, pkg, h.fp)
	ic.addLocked(h)
	ic.watches[watchKey{uid, did, pkg}] = h
	ic.watchJoinedLocked(uid, did, pkg, h.fp, again)
	if ic.phoneLiveLocked(uid, pkg, h.fp) {
		ep.Event(Event{Kind: EventOpen})
	} else if code, text := watchProblem(h, phones, ic.mismatchedPhoneLocked(uid, pkg, h.fp)); code != DiagOK {
		ep.Event(Event{Kind: EventError, Code: code, Text: text})
	}
	ic.stateLocked(uid, true)
	ic.broadcastLocked()
	return h, nil
}

// RegisterPhone records the phone app durably and connects it, opening
// the pair of every watch of the user with that app and certificate;
// watches with the package but another certificate get EventError 1000.
// welcome is as for RegisterWatch. grant is the token the phone app
// authenticated with: the session ends when it is revoked or expires
// (access.go).
func (ic *Relay) RegisterPhone(ctx context.Context, uid, pkg string, cert Cert, grant core.TokenGrant, ep Endpoint, welcome func()) (*Handle, error) {
	h := &Handle{ic: ic, uid: uid, pkg: pkg, fp: cert.Fingerprint(), ep: ep, listening: make(map[string]bool),
		since: time.Now(), grant: grant}
	if err := ic.save(ctx, h); err != nil {
		return nil, err
	}
	if err := ic.listen(h); err != nil {
		return nil, err
	}
	ic.mu.Lock()
	defer ic.unlockPublish()
	welcome()
	if old := ic.phones[phoneKey{uid, pkg, h.fp}]; old != nil {
		ic.unregisterLocked(old, 1001, "the phone app reconnected")
		old.ep.Close(4409, "replaced by a newer connection of the same phone app")
	}
	again := ic.phoneLiveLocked(uid, pkg, h.fp)
	ic.addLocked(h)
	ic.phones[phoneKey{uid, pkg, h.fp}] = h
	ic.armExpiryLocked(h)
	ic.phoneJoinedLocked(uid, pkg, h.fp, again)
	for _, did := range ic.pairedWatchesLocked(uid, pkg, h.fp) {
		ep.Event(Event{Kind: EventNode, Node: did, Connected: true})
	}
	ic.stateLocked(uid, true)
	ic.broadcastLocked()
	return h, nil
}

// addLocked gives h its session id and files it under its user.
func (ic *Relay) addLocked(h *Handle) {
	ic.seq++
	h.id = ic.instance + "-" + strconv.FormatUint(ic.seq, 10)
	if ic.byUser[h.uid] == nil {
		ic.byUser[h.uid] = make(map[*Handle]struct{})
	}
	ic.byUser[h.uid][h] = struct{}{}
}

// save records the app as installed; LastSeen moves on every connection.
func (ic *Relay) save(ctx context.Context, h *Handle) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := ic.store.SaveInterconnectApp(ctx, App{
		UID: h.uid, Package: h.pkg, Fingerprint: h.fp, DID: h.did, FirstSeen: now, LastSeen: now,
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: user or watch gone", core.ErrNotBound)
	}
	return err
}

// watchProblem says why a watch's pair is not open beyond "the phone app
// is not running": a connected phone app with another certificate, no phone
// app of the package ever, or only ones with other certificates. DiagOK
// when the phone app is merely not connected now.
func watchProblem(h *Handle, registered []App, mismatchedFP string) (int, string) {
	if mismatchedFP != "" {
		return DiagOthers, "signature mismatch: the phone app " + h.pkg + " is signed with " + mismatchedFP + ", this watch app with " + h.fp
	}
	if len(registered) == 0 {
		return DiagUninstalled, "the phone app " + h.pkg + " is not installed (it never connected for this user)"
	}
	for _, p := range registered {
		if p.Fingerprint == h.fp {
			return DiagOK, ""
		}
	}
	return DiagOthers, "signature mismatch: the phone app " + h.pkg + " was only ever signed with other certificates"
}

// Unregister disconnects h (its connection ended). For a phone, code and
// reason become the paired watches' onclose; for a watch, its phones learn
// the node left.
func (ic *Relay) Unregister(h *Handle, code int, reason string) {
	ic.mu.Lock()
	defer ic.unlockPublish()
	ic.unregisterLocked(h, code, reason)
}

func (ic *Relay) unregisterLocked(h *Handle, code int, reason string) {
	if h.gone {
		return
	}
	h.gone = true
	ic.unlisten(h)
	if h.expiry != nil {
		h.expiry.Stop()
	}
	delete(ic.byUser[h.uid], h)
	if h.watch {
		k := watchKey{h.uid, h.did, h.pkg}
		if ic.watches[k] == h {
			delete(ic.watches, k)
		}
		ic.watchLeftLocked(h.uid, h.did, h.pkg, h.fp)
	} else {
		k := phoneKey{h.uid, h.pkg, h.fp}
		if ic.phones[k] == h {
			delete(ic.phones, k)
		}
		ic.phoneLeftLocked(h.uid, h.pkg, h.fp, code, reason)
	}
	ic.stateLocked(h.uid, false, departure{ID: h.id, Code: code, Text: reason})
	if len(ic.byUser[h.uid]) == 0 {
		delete(ic.byUser, h.uid)
		ic.forgetUserLocked(h.uid)
	}
	ic.broadcastLocked()
}

// Paired reports whether a watch's phone app is connected (getReadyState).
func (ic *Relay) Paired(h *Handle) bool {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return !h.gone && ic.phoneLiveLocked(h.uid, h.pkg, h.fp)
}
