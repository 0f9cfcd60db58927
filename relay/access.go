package relay

import (
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

// A relay session lasts only as long as what admitted it: a phone app its
// token, a watch its device (enabled, same passcode) and its binding to
// the user it acts for. When that ends, the session is closed with
// CloseAccessEnded and a reason naming the cause; its peer sees the
// ordinary disconnect (a watch's onclose 1006, a phone's node event).

// CloseAccessEnded is the close code of a session whose access ended
// (the adapter's 4401, as for a refused hello: the SDKs do not reconnect).
const CloseAccessEnded = 4401

// Close reasons of relay sessions whose access ended.
const (
	icReasonUnbound = "device unbound"
	icReasonExpired = "token expired"
)

// onBinding closes the watch sessions of a binding that was removed (the
// watch may no longer speak for that user) and stops the user's phone
// apps listening to it.
func (ic *Relay) onBinding(_ string, data []byte) {
	var e core.BindingEvent
	if json.Unmarshal(data, &e) != nil || e.Bind {
		return
	}
	ic.mu.Lock()
	var victims []*Handle
	for k, h := range ic.watches {
		if k.uid == e.UID && k.did == e.DID {
			victims = append(victims, h)
		}
	}
	for k, h := range ic.phones {
		if k.uid == e.UID {
			delete(h.listening, e.DID)
		}
	}
	ic.mu.Unlock()
	ic.end(victims, icReasonUnbound)
}

// onAccess closes the phone sessions that authenticated with a token the
// event ends.
func (ic *Relay) onAccess(_ string, data []byte) {
	var e core.AccessEvent
	if json.Unmarshal(data, &e) != nil {
		return
	}
	ic.mu.Lock()
	var victims []*Handle
	for k, h := range ic.phones {
		if k.uid == e.UID && e.Ends(h.grant.Hash) {
			victims = append(victims, h)
		}
	}
	ic.mu.Unlock()
	ic.end(victims, e.Reason)
}

// onControl closes the watch sessions of a device that was disabled,
// deleted or registered again, if they registered before the control was
// issued (a watch that reconnects with the new passcode at once stays).
func (ic *Relay) onControl(_ string, data []byte) {
	var c core.Control
	if json.Unmarshal(data, &c) != nil || c.Kind != core.ControlDisconnect {
		return
	}
	ic.mu.Lock()
	var victims []*Handle
	for k, h := range ic.watches {
		if k.did == c.DID && h.since.Before(c.IssuedAt) {
			victims = append(victims, h)
		}
	}
	ic.mu.Unlock()
	ic.end(victims, c.Reason)
}

// armExpiryLocked ends a phone session when its token expires: a runtime
// timer, no goroutine until it fires.
func (ic *Relay) armExpiryLocked(h *Handle) {
	if h.grant.ExpiresAt.IsZero() {
		return
	}
	h.expiry = time.AfterFunc(time.Until(h.grant.ExpiresAt), func() {
		ic.end([]*Handle{h}, icReasonExpired)
	})
}

// end closes the sessions; their adapters unregister them as they go.
func (ic *Relay) end(hs []*Handle, reason string) {
	for _, h := range hs {
		ic.log.Info("interconnect: access ended", "uid", h.uid, "watch", h.watch, "did", h.did, "package", h.pkg, "reason", reason)
		h.ep.Close(CloseAccessEnded, reason)
	}
}
