package relay

import (
	"context"
	"time"
)

// PairState is one pair as the admin API shows it.
type PairState struct {
	UID, Package, Fingerprint string
	WatchDID                  string // "" for a phone app no watch app of its certificate ever matched
	WatchConnected            bool
	PhoneConnected            bool
	WatchToPhone              int64
	PhoneToWatch              int64
	LastMessageAt             time.Time // zero: never
}

// State is "paired", "watch_only", "phone_only" or "idle".
func (p PairState) State() string {
	switch {
	case p.WatchConnected && p.PhoneConnected:
		return "paired"
	case p.WatchConnected:
		return "watch_only"
	case p.PhoneConnected:
		return "phone_only"
	}
	return "idle"
}

// Pairs lists every pair the relay knows: each registered watch app (user,
// package, certificate, watch), and each registered phone app that no
// watch app with its certificate ever matched, with live state on every
// node and message totals (counters are flushed first, on every node that
// answers the census, so they are current).
func (ic *Relay) Pairs(ctx context.Context) ([]PairState, error) {
	elsewhere := ic.takeCensus(ctx)
	if err := ic.flush(ctx); err != nil {
		return nil, err
	}
	watches, err := ic.store.ListInterconnectWatchApps(ctx, "", "")
	if err != nil {
		return nil, err
	}
	phones, err := ic.store.ListInterconnectPhoneApps(ctx, "", "")
	if err != nil {
		return nil, err
	}
	counts, err := ic.store.ListInterconnectCounts(ctx)
	if err != nil {
		return nil, err
	}
	byPair := make(map[pairKey]Count, len(counts))
	for _, c := range counts {
		byPair[pairKey{c.UID, c.Package, c.Fingerprint, c.DID}] = c
	}
	// What other nodes hold: watch apps by (user, watch, package,
	// certificate), phone apps by (user, package, certificate).
	remoteWatch := make(map[pairKey]bool)
	remotePhone := make(map[phoneKey]bool)
	for _, s := range elsewhere {
		if s.Watch {
			remoteWatch[pairKey{s.UID, s.Pkg, s.FP, s.DID}] = true
		} else {
			remotePhone[phoneKey{s.UID, s.Pkg, s.FP}] = true
		}
	}
	ic.mu.Lock()
	defer ic.mu.Unlock()
	phoneLive := func(k phoneKey) bool { return remotePhone[k] || ic.phoneLiveLocked(k.uid, k.pkg, k.fp) }
	matched := make(map[phoneKey]bool)
	out := make([]PairState, 0, len(watches)+len(phones))
	for _, w := range watches {
		pk := phoneKey{w.UID, w.Package, w.Fingerprint}
		matched[pk] = true
		live, _ := ic.watchLiveLocked(w.UID, w.DID, w.Package, w.Fingerprint)
		c := byPair[pairKey{w.UID, w.Package, w.Fingerprint, w.DID}]
		out = append(out, PairState{
			UID: w.UID, Package: w.Package, Fingerprint: w.Fingerprint, WatchDID: w.DID,
			WatchConnected: live || remoteWatch[pairKey{w.UID, w.Package, w.Fingerprint, w.DID}],
			PhoneConnected: phoneLive(pk),
			WatchToPhone:   c.WatchToPhone, PhoneToWatch: c.PhoneToWatch, LastMessageAt: c.LastMessageAt,
		})
	}
	for _, p := range phones {
		pk := phoneKey{p.UID, p.Package, p.Fingerprint}
		if matched[pk] {
			continue
		}
		out = append(out, PairState{UID: p.UID, Package: p.Package, Fingerprint: p.Fingerprint, PhoneConnected: phoneLive(pk)})
	}
	return out, nil
}

// flushLoop writes counters every FlushInterval until Close.
func (ic *Relay) flushLoop() {
	defer ic.loops.Done()
	t := time.NewTicker(ic.opts.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := ic.flush(ctx); err != nil {
				ic.log.Warn("interconnect: write message counters", "err", err)
			}
			cancel()
		case <-ic.stop:
			return
		}
	}
}

// flush writes the tallies gathered since the last flush; on failure they
// are merged back to be written next time.
func (ic *Relay) flush(ctx context.Context) error {
	ic.mu.Lock()
	pending := ic.counts
	ic.counts = make(map[pairKey]*pairDelta)
	ic.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	deltas := make([]Count, 0, len(pending))
	for k, d := range pending {
		deltas = append(deltas, Count{UID: k.uid, Package: k.pkg, Fingerprint: k.fp, DID: k.did,
			WatchToPhone: d.w2p, PhoneToWatch: d.p2w, LastMessageAt: d.last.Truncate(time.Millisecond)})
	}
	err := ic.store.AddInterconnectCounts(ctx, deltas)
	if err != nil {
		ic.mu.Lock()
		for k, d := range pending {
			if cur := ic.counts[k]; cur != nil {
				cur.w2p += d.w2p
				cur.p2w += d.p2w
				cur.last = maxTime(cur.last, d.last)
			} else {
				ic.counts[k] = d
			}
		}
		ic.mu.Unlock()
	}
	return err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
