package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// ICHandle is one registered endpoint. Its fields never change after
// registration; listening is guarded by the Interconnect's lock.
type ICHandle struct {
	ic    *Interconnect
	watch bool
	uid   string
	pkg   string
	fp    string
	did   string // watch only
	ep    ICEndpoint
	since time.Time // registration: a device Control issued later spares it

	grant  TokenGrant  // phone: the token it authenticated with
	expiry *time.Timer // phone: ends it when grant expires

	listening map[string]bool // phone: watch dids whose messages it takes
	gone      bool
}

// UID is the account the endpoint acts for.
func (h *ICHandle) UID() string { return h.uid }

// ErrICAmbiguousUser: a watch bound to several users must name one.
var ErrICAmbiguousUser = errors.New("core: the watch is bound to several users; name user_id")

// AuthenticateWatch checks a watch's device credentials and returns the
// user it acts for: the one it is bound to, or uid when given (it must be
// bound to it). ErrBadCredentials, ErrDeviceDisabled, ErrNotBound or
// ErrICAmbiguousUser otherwise.
func (ic *Interconnect) AuthenticateWatch(ctx context.Context, did, passcode, uid string) (string, error) {
	if _, err := ic.node.AuthenticateDevice(ctx, did, passcode); err != nil {
		return "", err
	}
	if uid != "" {
		if _, err := ic.node.Binding(ctx, uid, did); err != nil {
			return "", err
		}
		return uid, nil
	}
	bs, err := ic.node.store.ListDeviceBindings(ctx, did)
	if err != nil {
		return "", err
	}
	switch len(bs) {
	case 0:
		return "", ErrNotBound
	case 1:
		return bs[0].UID, nil
	}
	return "", ErrICAmbiguousUser
}

// RegisterWatch records the watch app durably ("installed") and connects
// it. A previous session of the same app on the same watch is closed: a
// quick app has one connection. The watch learns at once whether its pair
// is open (ICOpen) or why it cannot be (ICError).
//
// welcome runs once the registration is durable and before any event
// reaches ep, so the adapter can answer the hello first.
func (ic *Interconnect) RegisterWatch(ctx context.Context, uid, did, pkg string, cert ICCert, ep ICEndpoint, welcome func()) (*ICHandle, error) {
	h := &ICHandle{ic: ic, watch: true, uid: uid, did: did, pkg: pkg, fp: cert.Fingerprint(), ep: ep, since: time.Now()}
	if err := ic.save(ctx, h); err != nil {
		return nil, err
	}
	phones, err := ic.node.store.ListInterconnectPhoneApps(ctx, uid, pkg)
	if err != nil {
		return nil, err
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	welcome()
	if old := ic.watches[watchKey{uid, did, pkg}]; old != nil {
		ic.unregisterLocked(old, 1001, "replaced by a newer connection of the watch app")
		old.ep.Close(4409, "replaced by a newer connection of the same watch app")
	}
	ic.watches[watchKey{uid, did, pkg}] = h
	ic.broadcastLocked()
	if p := ic.phones[phoneKey{uid, pkg, h.fp}]; p != nil {
		ep.Event(ICEvent{Kind: ICOpen})
		p.ep.Event(ICEvent{Kind: ICNode, Node: did, Connected: true})
		return h, nil
	}
	if code, text := watchProblem(h, phones, ic.mismatchedPhoneLocked(h)); code != DiagOK {
		ep.Event(ICEvent{Kind: ICError, Code: code, Text: text})
	}
	return h, nil
}

// RegisterPhone records the phone app durably and connects it, opening
// the pair of every watch of the user with that app and certificate;
// watches with the package but another certificate get ICError 1000.
// welcome is as for RegisterWatch. grant is the token the phone app
// authenticated with: the session ends when it is revoked or expires
// (interconnect_access.go).
func (ic *Interconnect) RegisterPhone(ctx context.Context, uid, pkg string, cert ICCert, grant TokenGrant, ep ICEndpoint, welcome func()) (*ICHandle, error) {
	h := &ICHandle{ic: ic, uid: uid, pkg: pkg, fp: cert.Fingerprint(), ep: ep, listening: make(map[string]bool),
		since: time.Now(), grant: grant}
	if err := ic.save(ctx, h); err != nil {
		return nil, err
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	welcome()
	if old := ic.phones[phoneKey{uid, pkg, h.fp}]; old != nil {
		ic.unregisterLocked(old, 1001, "the phone app reconnected")
		old.ep.Close(4409, "replaced by a newer connection of the same phone app")
	}
	ic.phones[phoneKey{uid, pkg, h.fp}] = h
	ic.broadcastLocked()
	ic.armExpiryLocked(h)
	for k, w := range ic.watches {
		if k.uid != uid || k.pkg != pkg {
			continue
		}
		if w.fp == h.fp {
			w.ep.Event(ICEvent{Kind: ICOpen})
			ep.Event(ICEvent{Kind: ICNode, Node: w.did, Connected: true})
		} else if ic.phones[phoneKey{uid, pkg, w.fp}] == nil {
			w.ep.Event(ICEvent{Kind: ICError, Code: DiagOthers, Text: "signature mismatch: the phone app " + pkg + " is signed with " + h.fp})
		}
	}
	return h, nil
}

// save records the app as installed; LastSeen moves on every connection.
func (ic *Interconnect) save(ctx context.Context, h *ICHandle) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := ic.node.store.SaveInterconnectApp(ctx, store.InterconnectApp{
		UID: h.uid, Package: h.pkg, Fingerprint: h.fp, DID: h.did, FirstSeen: now, LastSeen: now,
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: user or watch gone", ErrNotBound)
	}
	return err
}

// watchProblem says why a watch's pair is not open beyond "the phone app
// is not running": a connected phone app with another certificate, no phone
// app of the package ever, or only ones with other certificates. DiagOK
// when the phone app is merely not connected now.
func watchProblem(h *ICHandle, registered []store.InterconnectApp, mismatchedFP string) (int, string) {
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

// mismatchedPhoneLocked returns the fingerprint of a connected phone app of
// h's user and package signed with another certificate, or "".
func (ic *Interconnect) mismatchedPhoneLocked(h *ICHandle) string {
	for k := range ic.phones {
		if k.uid == h.uid && k.pkg == h.pkg && k.fp != h.fp {
			return k.fp
		}
	}
	return ""
}

// Unregister disconnects h (its connection ended). For a phone, code and
// reason become the paired watches' onclose; for a watch, its phones learn
// the node left.
func (ic *Interconnect) Unregister(h *ICHandle, code int, reason string) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.unregisterLocked(h, code, reason)
}

func (ic *Interconnect) unregisterLocked(h *ICHandle, code int, reason string) {
	if h.gone {
		return
	}
	h.gone = true
	if h.expiry != nil {
		h.expiry.Stop()
	}
	if h.watch {
		k := watchKey{h.uid, h.did, h.pkg}
		if ic.watches[k] == h {
			delete(ic.watches, k)
		}
		if p := ic.phones[phoneKey{h.uid, h.pkg, h.fp}]; p != nil {
			p.ep.Event(ICEvent{Kind: ICNode, Node: h.did, Connected: false})
		}
	} else {
		k := phoneKey{h.uid, h.pkg, h.fp}
		if ic.phones[k] == h {
			delete(ic.phones, k)
		}
		for wk, w := range ic.watches {
			if wk.uid == h.uid && wk.pkg == h.pkg && w.fp == h.fp {
				w.ep.Event(ICEvent{Kind: ICClose, Code: code, Text: reason})
			}
		}
	}
	ic.broadcastLocked()
}

// Paired reports whether a watch's phone app is connected (getReadyState).
func (ic *Interconnect) Paired(h *ICHandle) bool {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	return !h.gone && ic.phones[phoneKey{h.uid, h.pkg, h.fp}] != nil
}
