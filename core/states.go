package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/internal/logevery"
	"github.com/switchboard-iot/switchboard/store"
)

// stateCache keeps the latest datapoints of the devices whose sessions this
// node holds, and writes them to the store in batches.
//
// Why batched: a device report is an unacknowledged QoS 0 message, so there
// is nothing to fsync for before answering; writing each report in its own
// synced transaction would cap the whole node at the disk's sync rate. One
// transaction per flush interval carries every device that changed. What the
// cache holds for longer than that is at most one interval of reports, and
// Close flushes it.
//
// Why merged: var_len devices report only the datapoints that changed, so
// the latest state is the previous one with this report laid over it.
//
// Pushes caused by reports ride in the same flush transaction as the states
// (store.Push): a report's pushes are on disk exactly when its state is.
// A caller that must not answer before that (a QoS 1 PUBLISH) waits with
// sync, which asks for a flush at once; concurrent waiters share it (group
// commit).
type stateCache struct {
	n  *Node
	mu sync.Mutex
	m  map[string]*deviceState
	// dirty lists the dids of m whose state is not yet written, so a
	// flush costs the reports since the last one, not a walk over every
	// connected device. A did may be listed twice or be gone from m; the
	// entry's own dirty flag decides.
	dirty   []string
	pushes  []store.Push    // report pushes waiting for the next flush
	next    chan struct{}   // closed when the next flush to start commits
	stalled []chan struct{} // waiters of flushes that failed, retried
	kick    chan struct{}   // asks the flush loop to flush now
	writeMu sync.Mutex      // one flush at a time, so flushes commit in order

	failures logevery.Limiter // spaces out the warning of failed flushes
}

// kickPushes is how many pending report pushes make the flush loop write
// before its interval ends.
const kickPushes = 10_000

type deviceState struct {
	schema *datapoint.Schema
	msg    *datapoint.Message // Present marks the datapoints ever reported
	dirty  bool
	at     time.Time
}

func newStateCache(n *Node) *stateCache {
	return &stateCache{n: n, m: make(map[string]*deviceState), next: make(chan struct{}), kick: make(chan struct{}, 1),
		failures: logevery.Limiter{Every: 10 * time.Second}}
}

// merge lays a decoded report over the device's latest state. With
// changes, it returns the shown values of the datapoints whose value the
// report changed (or gave for the first time), by name.
func (c *stateCache) merge(ctx context.Context, did string, s *datapoint.Schema, msg *datapoint.Message, at time.Time, changes bool) map[string]json.RawMessage {
	c.mu.Lock()
	st := c.m[did]
	c.mu.Unlock()
	if st == nil || st.schema != s {
		st = c.load(ctx, did, s)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var changed map[string]json.RawMessage
	for i, present := range msg.Present {
		if !present {
			continue
		}
		v := msg.Values[i]
		if changes && (!st.msg.Present[i] || st.msg.Values[i].Raw != v.Raw || !bytes.Equal(st.msg.Values[i].Bytes, v.Bytes)) {
			if changed == nil {
				changed = map[string]json.RawMessage{}
			}
			// The same JSON as the app's attrs (binaries as byte arrays,
			// not json.Marshal's base64), so followers read one form.
			changed[s.Field(i).Name] = s.AppendValueJSON(nil, i, v)
		}
		// The decoded bytes alias the frame; the cache must own its copy.
		v.Bytes = append(st.msg.Values[i].Bytes[:0], v.Bytes...)
		st.msg.Values[i] = v
		st.msg.Present[i] = true
	}
	if !st.dirty {
		c.dirty = append(c.dirty, did)
	}
	st.dirty = true
	st.at = at
	c.m[did] = st
	return changed
}

// addPushes queues report pushes for the next flush.
func (c *stateCache) addPushes(pushes []store.Push) {
	if len(pushes) == 0 {
		return
	}
	c.mu.Lock()
	c.pushes = append(c.pushes, pushes...)
	many := len(c.pushes) >= kickPushes
	c.mu.Unlock()
	if many {
		c.requestFlush()
	}
}

func (c *stateCache) requestFlush() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// sync returns once everything merged before the call is on disk.
func (c *stateCache) sync(ctx context.Context) error {
	c.mu.Lock()
	ch := c.next
	c.mu.Unlock()
	c.requestFlush()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// load reads the stored state of a device into a fresh cache entry, so a
// partial (var_len) report after a restart merges over what was known.
func (c *stateCache) load(ctx context.Context, did string, s *datapoint.Schema) *deviceState {
	st := &deviceState{schema: s, msg: s.NewMessage(datapoint.ActionReport)}
	stored, err := c.n.store.GetState(ctx, did)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.n.log.Warn("load device state", "did", did, "err", err)
		}
		return st
	}
	var attrs map[string]any
	if err := json.Unmarshal(stored.Attrs, &attrs); err != nil {
		c.n.log.Warn("stored device state is not JSON", "did", did, "err", err)
		return st
	}
	for name, v := range attrs {
		// A datapoint the schema no longer has, or a value it no longer
		// accepts, is dropped rather than failing the live report.
		_ = s.Set(st.msg, name, v)
	}
	st.at = stored.UpdatedAt
	return st
}

// get returns the cached state as JSON, if this node has it.
func (c *stateCache) get(did string) (attrs []byte, at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.m[did]
	if st == nil {
		return nil, time.Time{}, false
	}
	return st.schema.AppendJSON(nil, st.msg), st.at, true
}

// collectLocked takes the dirty entries as store rows; c.mu is held.
func (c *stateCache) collectLocked() []store.State {
	out := make([]store.State, 0, len(c.dirty))
	for _, did := range c.dirty {
		st := c.m[did]
		if st == nil || !st.dirty {
			continue
		}
		out = append(out, store.State{DID: did, Attrs: st.schema.AppendJSON(nil, st.msg), UpdatedAt: st.at})
		st.dirty = false
	}
	c.dirty = c.dirty[:0]
	return out
}

// flush writes every dirty state and every queued push in one transaction,
// then wakes the waiters of this flush (and of failed ones before it, whose
// rows it carried again).
func (c *stateCache) flush(ctx context.Context) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	done := c.next
	c.next = make(chan struct{})
	rows := c.collectLocked()
	pushes := c.pushes
	c.pushes = nil
	c.mu.Unlock()

	if len(rows) > 0 || len(pushes) > 0 {
		if err := c.n.store.PutStates(ctx, rows, pushes...); err != nil {
			c.mu.Lock()
			for _, r := range rows {
				if st := c.m[r.DID]; st != nil && !st.dirty {
					st.dirty = true
					c.dirty = append(c.dirty, r.DID)
				}
			}
			c.pushes = append(pushes, c.pushes...)
			c.stalled = append(c.stalled, done)
			c.mu.Unlock()
			return err
		}
	}
	c.mu.Lock()
	stalled := c.stalled
	c.stalled = nil
	c.mu.Unlock()
	for _, ch := range stalled {
		close(ch)
	}
	close(done)
	c.n.follower.Written(pushes)
	return nil
}

// release writes what is pending (the device's state among it) and drops
// the device from the cache.
func (c *stateCache) release(ctx context.Context, did string) {
	if err := c.flush(ctx); err != nil {
		c.n.log.Warn("write device state", "did", did, "err", err)
		return // keep it cached; the flush loop retries
	}
	c.forget(did)
}

// forget drops a device without writing (it was deleted).
func (c *stateCache) forget(did string) {
	c.mu.Lock()
	delete(c.m, did)
	c.mu.Unlock()
}

func (n *Node) flushLoop() {
	defer close(n.done)
	t := time.NewTicker(n.flushEvery)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		case <-n.states.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n.states.flush(ctx); err != nil {
			// A store that is down fails every tick (10 a second): one
			// line per interval, with the count of the others.
			if ok, suppressed := n.states.failures.Allow(time.Now()); ok {
				n.log.Warn("flush device states", "err", err, "suppressed", suppressed)
			}
		}
		cancel()
	}
}

// LatestState returns the latest datapoints of a device as a JSON object and
// when they were reported; attrs is "{}" and at is zero when nothing was ever
// reported.
func (n *Node) LatestState(ctx context.Context, did string) (attrs json.RawMessage, at time.Time, err error) {
	if a, t, ok := n.states.get(did); ok {
		return a, t, nil
	}
	st, err := n.store.GetState(ctx, did)
	if errors.Is(err, store.ErrNotFound) {
		return json.RawMessage("{}"), time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	return st.Attrs, st.UpdatedAt, nil
}
