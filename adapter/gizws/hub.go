package gizws

import (
	"sync"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
)

// hub indexes the node's sessions so one bus subscription per event kind
// can reach the sessions concerned: by device (subscriptions), by user
// (binding changes) and by client id (0x0094 replies, acks). Lock order:
// a session's mu may be held while taking hub.mu, never the reverse.
//
// The indexes also decide what this node hears: every (device, session)
// pair holds a reference on the device's data and status subjects in the
// subject set, every (user, session) pair on the user's binding and access
// subjects, so only the devices and users of this node's sessions reach it.
type hub struct {
	// interest is the node's subject set (Server.Start); its calls are made
	// outside mu, since on NATS they wait for the server.
	interest bus.SubjectSet

	mu     sync.RWMutex
	closed bool
	byDID  map[string]map[*session]struct{}
	byUID  map[string]map[*session]struct{}
	byID   map[string]*session // every open session, by client id
}

func newHub() *hub {
	return &hub{
		byDID: make(map[string]map[*session]struct{}),
		byUID: make(map[string]map[*session]struct{}),
		byID:  make(map[string]*session),
	}
}

// open registers a new session and counts it in running; false once the
// server is closing. Counting under the lock that shut takes guarantees
// that Close's Wait sees every session shut returned.
func (h *hub) open(s *session, running *sync.WaitGroup) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	running.Add(1)
	h.byID[s.id] = s
	return true
}

// shut marks the hub closed and returns every session still open.
func (h *hub) shut() []*session {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	out := make([]*session, 0, len(h.byID))
	for _, s := range h.byID {
		out = append(out, s)
	}
	return out
}

func (h *hub) forget(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byID[s.id] == s {
		delete(h.byID, s.id)
	}
}

func (h *hub) watch(did string, s *session) {
	h.mu.Lock()
	added := add(h.byDID, did, s)
	h.mu.Unlock()
	if added {
		h.listen(core.SubjectData(did), core.SubjectStatus(did))
	}
}

func (h *hub) unwatch(did string, s *session) {
	h.mu.Lock()
	removed := remove(h.byDID, did, s)
	h.mu.Unlock()
	if removed {
		h.unlisten(core.SubjectData(did), core.SubjectStatus(did))
	}
}

// listen and unlisten take and give back one reference per subject.
func (h *hub) listen(subjects ...string) {
	if h.interest == nil {
		return
	}
	for _, subject := range subjects {
		// Fails only when the bus is closed, i.e. the node is stopping.
		_ = h.interest.Add(subject)
	}
}

func (h *hub) unlisten(subjects ...string) {
	if h.interest == nil {
		return
	}
	for _, subject := range subjects {
		h.interest.Remove(subject)
	}
}

// setUser moves s from one user's set to another's ("" for none).
func (h *hub) setUser(s *session, from, to string) {
	if from == to {
		return
	}
	h.mu.Lock()
	left := from != "" && remove(h.byUID, from, s)
	joined := to != "" && add(h.byUID, to, s)
	h.mu.Unlock()
	if joined {
		h.listen(core.SubjectUserBinding(to), core.SubjectUserAccess(to))
	}
	if left {
		h.unlisten(core.SubjectUserBinding(from), core.SubjectUserAccess(from))
	}
}

// watched reports whether any session here is subscribed to did.
func (h *hub) watched(did string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byDID[did]) > 0
}

// watchers appends the sessions subscribed to did to dst.
func (h *hub) watchers(dst []*session, did string) []*session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.byDID[did] {
		dst = append(dst, s)
	}
	return dst
}

// users appends the sessions logged in as uid to dst.
func (h *hub) users(dst []*session, uid string) []*session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.byUID[uid] {
		dst = append(dst, s)
	}
	return dst
}

// client returns the session with that client id, or nil.
func (h *hub) client(id string) *session {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.byID[id]
}

// add puts s in key's set and reports whether it was not there yet.
func add(m map[string]map[*session]struct{}, key string, s *session) bool {
	set := m[key]
	if set == nil {
		set = make(map[*session]struct{})
		m[key] = set
	}
	if _, ok := set[s]; ok {
		return false
	}
	set[s] = struct{}{}
	return true
}

// remove takes s out of key's set and reports whether it was there.
func remove(m map[string]map[*session]struct{}, key string, s *session) bool {
	set := m[key]
	if _, ok := set[s]; !ok {
		return false
	}
	delete(set, s)
	if len(set) == 0 {
		delete(m, key)
	}
	return true
}
