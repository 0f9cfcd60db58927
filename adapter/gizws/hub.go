package gizws

import "sync"

// hub indexes the node's sessions so one bus subscription per event kind
// can reach the sessions concerned: by device (subscriptions), by user
// (binding changes) and by client id (0x0094 replies, acks). Lock order:
// a session's mu may be held while taking hub.mu, never the reverse.
type hub struct {
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

func (h *hub) watch(did string, s *session) { h.mu.Lock(); add(h.byDID, did, s); h.mu.Unlock() }

func (h *hub) unwatch(did string, s *session) { h.mu.Lock(); remove(h.byDID, did, s); h.mu.Unlock() }

// setUser moves s from one user's set to another's ("" for none).
func (h *hub) setUser(s *session, from, to string) {
	if from == to {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if from != "" {
		remove(h.byUID, from, s)
	}
	if to != "" {
		add(h.byUID, to, s)
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

func add(m map[string]map[*session]struct{}, key string, s *session) {
	set := m[key]
	if set == nil {
		set = make(map[*session]struct{})
		m[key] = set
	}
	set[s] = struct{}{}
}

func remove(m map[string]map[*session]struct{}, key string, s *session) {
	if set := m[key]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(m, key)
		}
	}
}
