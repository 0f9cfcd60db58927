package core

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// onlineBatch group-commits session starts: every DeviceOnline waiting
// while a transaction runs goes into the next one (store.StartSessions),
// so a connect storm costs one disk sync per batch instead of one per
// connect. Each caller still returns only once its own row is committed,
// so the CONNACK that follows is never ahead of the stored online state.
//
// There is no goroutine: the first waiter to find no batch running
// commits what is queued (itself included) for everyone.
type onlineBatch struct {
	mu      sync.Mutex
	pending []*onlineReq
	// leader is a token: whoever holds it commits the next batch.
	leader chan struct{}
	store  store.Store
}

// maxOnlineBatch bounds one transaction, so a huge burst does not hold
// the writer for long; the rest go into the next batch at once.
const maxOnlineBatch = 1024

// onlineCommitTimeout bounds a batch's transaction, which runs for every
// caller in it and so cannot use any one caller's context.
const onlineCommitTimeout = 10 * time.Second

type onlineReq struct {
	start store.SessionStart
	res   store.SessionStarted
	err   error
	done  chan struct{}
}

func newOnlineBatch(s store.Store) *onlineBatch {
	return &onlineBatch{store: s, leader: make(chan struct{}, 1)}
}

// start commits s (in some batch) and returns what the store did with it.
// It waits for its batch even past ctx: the caller must know whether its
// row and pushes were written (the outbox counts them), and the batch's
// transaction is bounded by onlineCommitTimeout.
func (b *onlineBatch) start(ctx context.Context, s store.SessionStart) (store.SessionStarted, error) {
	r := &onlineReq{start: s, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, r)
	b.mu.Unlock()
	for {
		select {
		case <-r.done:
			return r.res, r.err
		case b.leader <- struct{}{}:
			b.commit(ctx)
			<-b.leader
		}
	}
}

// commit writes up to maxOnlineBatch queued entries in one transaction and
// wakes their callers. The caller holds the leader token.
func (b *onlineBatch) commit(ctx context.Context) {
	b.mu.Lock()
	k := min(len(b.pending), maxOnlineBatch)
	batch := b.pending[:k:k]
	b.pending = b.pending[k:]
	if len(b.pending) == 0 {
		b.pending = nil // let the backing array go
	}
	b.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	starts := make([]store.SessionStart, len(batch))
	for i, r := range batch {
		starts[i] = r.start
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), onlineCommitTimeout)
	res, err := b.store.StartSessions(cctx, starts)
	cancel()
	for i, r := range batch {
		if err != nil {
			r.err = err
		} else {
			r.res = res[i]
		}
		close(r.done)
	}
}
