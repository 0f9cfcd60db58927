package core

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/internal/logevery"
	"github.com/switchboard-iot/switchboard/store"
)

// storePresence is the Presence of nodes sharing a store (Options
// SharedPresence). Each node counts its own sessions in memory, exactly
// and at once, and writes its count per device to the store under its
// current life, batched every flush interval (store.Presence); a count
// adds the other nodes' rows of live lives. So an app watching on another
// node is counted after at most that interval, and a node that dies stops
// counting when its lease lapses, without a write of its own. A node
// whose life changes (its lease was lost) writes every count again under
// the new life, and drops the old life's rows.
type storePresence struct {
	local  *MemoryPresence
	st     store.Presence
	nodeID string
	epoch  func() int64

	mu    sync.Mutex
	dirty map[string]struct{} // devices whose count changed since the last write
	life  store.NodeLife      // the life the store's rows were written under

	failures logevery.Limiter
}

func newStorePresence(st store.Presence, nodeID string, epoch func() int64) *storePresence {
	return &storePresence{local: NewMemoryPresence(), st: st, nodeID: nodeID, epoch: epoch,
		dirty: map[string]struct{}{}, failures: logevery.Limiter{Every: 10 * time.Second}}
}

// Add implements Presence.
func (p *storePresence) Add(did, session string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dirty[did] = struct{}{}
	return p.local.Add(did, session)
}

// Remove implements Presence.
func (p *storePresence) Remove(did, session string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dirty[did] = struct{}{}
	return p.local.Remove(did, session)
}

// Count implements Presence: this node's sessions, and the other nodes'
// as they last wrote them; when the store cannot be read, this node's
// sessions with the error.
func (p *storePresence) Count(did string) (int, error) {
	here, _ := p.local.Count(did)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	there, err := p.st.CountPresence(ctx, did, p.nodeID, time.Now())
	if err != nil {
		return here, err
	}
	return here + there, nil
}

// flush writes the counts that changed; a failed write is tried again on
// the next flush.
func (p *storePresence) flush(ctx context.Context) error {
	life := store.NodeLife{NodeID: p.nodeID, Epoch: p.epoch()}
	p.mu.Lock()
	old := p.life
	if old != life { // a new life: everything is new to the store
		p.local.mu.RLock()
		for did := range p.local.sessions {
			p.dirty[did] = struct{}{}
		}
		p.local.mu.RUnlock()
	}
	counts := make(map[string]int, len(p.dirty))
	for did := range p.dirty {
		counts[did], _ = p.local.Count(did)
	}
	clear(p.dirty)
	p.mu.Unlock()

	err := p.write(ctx, old, life, counts)
	if err != nil {
		p.mu.Lock()
		for did := range counts {
			p.dirty[did] = struct{}{}
		}
		p.mu.Unlock()
	}
	return err
}

func (p *storePresence) write(ctx context.Context, old, life store.NodeLife, counts map[string]int) error {
	if old != life {
		// What an earlier life wrote: the previous epoch when this one
		// started here (a crash left it), or the life the lease lost.
		prev := old
		if prev.Epoch == 0 {
			prev = store.NodeLife{NodeID: p.nodeID, Epoch: life.Epoch - 1}
		}
		if _, err := p.st.ClearPresence(ctx, prev); err != nil {
			return err
		}
	}
	if err := p.st.SetPresence(ctx, life, counts); err != nil {
		return err
	}
	p.mu.Lock()
	p.life = life
	p.mu.Unlock()
	return nil
}

// clear drops this life's rows when the node stops, so the other nodes
// stop counting its sessions at once rather than when its lease lapses.
func (p *storePresence) clear(ctx context.Context) error {
	_, err := p.st.ClearPresence(ctx, store.NodeLife{NodeID: p.nodeID, Epoch: p.epoch()})
	return err
}

// presenceLoop writes the shared presence every flush interval until
// Close; without a shared presence it only waits for Close.
func (n *Node) presenceLoop() {
	defer close(n.presenceDone)
	p, ok := n.presence.(*storePresence)
	if !ok {
		<-n.stop
		return
	}
	t := time.NewTicker(n.flushEvery)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := p.clear(ctx); err != nil {
				n.log.Warn("clear app presence", "err", err)
			}
			cancel()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := p.flush(ctx); err != nil {
			if ok, suppressed := p.failures.Allow(time.Now()); ok {
				n.log.Warn("write app presence", "err", err, "suppressed", suppressed)
			}
		}
		cancel()
	}
}
