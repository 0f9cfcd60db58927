package core

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
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
type stateCache struct {
	n  *Node
	mu sync.Mutex
	m  map[string]*deviceState
}

type deviceState struct {
	schema *datapoint.Schema
	msg    *datapoint.Message // Present marks the datapoints ever reported
	dirty  bool
	at     time.Time
}

func newStateCache(n *Node) *stateCache {
	return &stateCache{n: n, m: make(map[string]*deviceState)}
}

// merge lays a decoded report over the device's latest state.
func (c *stateCache) merge(ctx context.Context, did string, s *datapoint.Schema, msg *datapoint.Message, at time.Time) {
	c.mu.Lock()
	st := c.m[did]
	c.mu.Unlock()
	if st == nil || st.schema != s {
		st = c.load(ctx, did, s)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, present := range msg.Present {
		if !present {
			continue
		}
		v := msg.Values[i]
		// The decoded bytes alias the frame; the cache must own its copy.
		v.Bytes = append(st.msg.Values[i].Bytes[:0], v.Bytes...)
		st.msg.Values[i] = v
		st.msg.Present[i] = true
	}
	st.dirty = true
	st.at = at
	c.m[did] = st
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

// collect takes the dirty entries (all, or only did's) as store rows.
func (c *stateCache) collect(only string) []store.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []store.State
	for did, st := range c.m {
		if !st.dirty || (only != "" && did != only) {
			continue
		}
		out = append(out, store.State{DID: did, Attrs: st.schema.AppendJSON(nil, st.msg), UpdatedAt: st.at})
		st.dirty = false
	}
	return out
}

// markDirty puts rows whose write failed back in line for the next flush.
func (c *stateCache) markDirty(rows []store.State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		if st := c.m[r.DID]; st != nil {
			st.dirty = true
		}
	}
}

func (c *stateCache) write(ctx context.Context, rows []store.State) error {
	if len(rows) == 0 {
		return nil
	}
	if err := c.n.store.PutStates(ctx, rows); err != nil {
		c.markDirty(rows)
		return err
	}
	return nil
}

// flush writes every dirty state in one batch.
func (c *stateCache) flush(ctx context.Context) error { return c.write(ctx, c.collect("")) }

// release writes one device's state if dirty and drops it from the cache.
func (c *stateCache) release(ctx context.Context, did string) {
	if err := c.write(ctx, c.collect(did)); err != nil {
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
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := n.states.flush(ctx); err != nil {
				n.log.Warn("flush device states", "err", err)
			}
			cancel()
		}
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
