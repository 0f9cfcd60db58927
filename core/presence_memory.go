package core

import "sync"

// MemoryPresence is the single-node Presence.
type MemoryPresence struct {
	mu       sync.RWMutex
	sessions map[string]map[string]struct{}
}

// NewMemoryPresence returns an empty MemoryPresence.
func NewMemoryPresence() *MemoryPresence {
	return &MemoryPresence{sessions: make(map[string]map[string]struct{})}
}

// Add implements Presence.
func (p *MemoryPresence) Add(did, session string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sessions[did]
	if s == nil {
		s = make(map[string]struct{})
		p.sessions[did] = s
	}
	s[session] = struct{}{}
	return nil
}

// Remove implements Presence.
func (p *MemoryPresence) Remove(did, session string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.sessions[did]; s != nil {
		delete(s, session)
		if len(s) == 0 {
			delete(p.sessions, did)
		}
	}
	return nil
}

// Count implements Presence.
func (p *MemoryPresence) Count(did string) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.sessions[did]), nil
}
