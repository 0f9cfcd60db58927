package partners

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Push health follows Aqara's rule (notes aqara.md §4.3): when more than 5 %
// of a partner's pushes in 5 minutes fail, the developer is notified and,
// half an hour after the notice, pushing is suspended until an operator
// re-enables it. Here the notice is a warning log line, the "warned" state
// in the admin API and a metric; the suspension is durable
// (SetPartnerPushSuspended). A partner that drops back under the threshold
// before the grace period ends is not suspended.
//
// The rule judges the partner's pushes, whichever node made them: every
// node adds its attempts to the partner's counts in the store, per tenth
// of the window (AddPushCounts: increments, so nodes add up and never
// overwrite each other), and reads back the sum of all nodes. The warning
// clock is one value in the store that nodes change by compare-and-set,
// so a partner is warned once and suspended once however many nodes
// deliver for it, and a restart neither forgets a warning (which would let
// a partner whose failures outlast the grace period escape suspension as
// long as the server restarts often enough) nor logs it again.
//
// A batch with a failure is added at once and judged; clean batches are
// kept for up to healthShareEvery and added together (with the next batch,
// judged then, or by Delivery's refresh loop when the partner went quiet),
// so a healthy partner costs a node one small write a second at most, and
// a warning clears at most a second after the partner recovered. The
// successes of that second are lost when a node stops, which at worst
// judges the window on fewer attempts.

// healthShareEvery is how long a node keeps clean counts to itself.
const healthShareEvery = time.Second

// PushPolicy tunes the rule; the zero value means Aqara's figures.
type PushPolicy struct {
	Window     time.Duration // default 5m
	MaxFailure float64       // fraction, default 0.05
	MinSample  int           // attempts in the window before judging, default 20
	Grace      time.Duration // warned -> suspended, default 30m
}

func (p PushPolicy) withDefaults() PushPolicy {
	if p.Window <= 0 {
		p.Window = 5 * time.Minute
	}
	if p.MaxFailure <= 0 {
		p.MaxFailure = 0.05
	}
	if p.MinSample <= 0 {
		p.MinSample = 20
	}
	if p.Grace <= 0 {
		p.Grace = 30 * time.Minute
	}
	return p
}

// Push states of PushHealth.
const (
	PushActive    = "active"
	PushWarned    = "warned"
	PushSuspended = "suspended"
)

// PushHealth is how a partner's pushes fare.
type PushHealth struct {
	State       string // PushActive, PushWarned or PushSuspended
	Pending     int64
	Delivered   int64 // since this node started
	Attempts    int   // in the window
	Failed      int   // in the window
	WarnedAt    time.Time
	SuspendedAt time.Time
	LastError   string
}

// healthBuckets splits the window so it slides in steps of a tenth.
const healthBuckets = 10

// partnerHealth is what one node holds of a partner's push health: the
// counts it has not added to the store yet.
type partnerHealth struct {
	mu        sync.Mutex // held across the store calls: one partner's adds stay in order
	unshared  []PushCount
	lastError string // the latest error not yet stored
	sharedAt  time.Time
	delivered int64 // since this node started
}

type pushHealthTracker struct {
	n      *Domain
	policy PushPolicy
	mu     sync.Mutex
	m      map[string]*partnerHealth
}

func newPushHealth(n *Domain, p PushPolicy) *pushHealthTracker {
	return &pushHealthTracker{n: n, policy: p.withDefaults(), m: map[string]*partnerHealth{}}
}

func (t *pushHealthTracker) get(appID string) *partnerHealth {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.m[appID]
	if h == nil {
		h = &partnerHealth{}
		t.m[appID] = h
	}
	return h
}

// bucket is the start of the bucket now falls in; buckets are aligned to
// the clock, so every node's counts of one moment go to the same bucket.
func (t *pushHealthTracker) bucket(now time.Time) time.Time {
	return now.Truncate(t.policy.Window / healthBuckets)
}

// since is the start of the window that ends in now's bucket.
func (t *pushHealthTracker) since(now time.Time) time.Time {
	return t.bucket(now).Add(-(healthBuckets - 1) * (t.policy.Window / healthBuckets))
}

// add counts attempts in now's bucket; h.mu held.
func (h *partnerHealth) add(bucket time.Time, attempts, failed int) {
	if n := len(h.unshared); n > 0 && h.unshared[n-1].Bucket.Equal(bucket) {
		h.unshared[n-1].Attempts += attempts
		h.unshared[n-1].Failed += failed
		return
	}
	h.unshared = append(h.unshared, PushCount{Bucket: bucket, Attempts: attempts, Failed: failed})
}

// record counts attempts and applies the rule. It returns whether the
// partner must now be suspended.
func (t *pushHealthTracker) record(ctx context.Context, appID string, delivered, failed int, lastErr string, now time.Time) (suspend bool, reason string) {
	h := t.get(appID)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.add(t.bucket(now), delivered+failed, failed)
	h.delivered += int64(delivered)
	if lastErr != "" {
		h.lastError = lastErr
	}
	if failed == 0 && h.lastError == "" && now.Sub(h.sharedAt) < healthShareEvery {
		return false, "" // clean: shared with the next batch
	}
	tally, err := t.n.store.AddPushCounts(ctx, appID, h.unshared, h.lastError, t.since(now))
	if err != nil {
		t.n.log.Warn("store push counts", "app_id", appID, "err", err) // kept: added with the next batch
		return false, ""
	}
	h.unshared, h.lastError, h.sharedAt = h.unshared[:0], "", now
	return t.judge(ctx, appID, tally, now)
}

// shareIdle adds the clean counts a node has kept longer than
// healthShareEvery, for partners whose pushes went quiet since: the other
// nodes judge on them too. Judging waits for the partner's next batch.
func (t *pushHealthTracker) shareIdle(ctx context.Context, now time.Time) {
	t.mu.Lock()
	hs := make(map[string]*partnerHealth, len(t.m))
	maps.Copy(hs, t.m)
	t.mu.Unlock()
	for appID, h := range hs {
		h.mu.Lock()
		if len(h.unshared) > 0 && now.Sub(h.sharedAt) >= healthShareEvery {
			if _, err := t.n.store.AddPushCounts(ctx, appID, h.unshared, h.lastError, t.since(now)); err != nil {
				t.n.log.Warn("store push counts", "app_id", appID, "err", err)
			} else {
				h.unshared, h.lastError, h.sharedAt = h.unshared[:0], "", now
			}
		}
		h.mu.Unlock()
	}
}

// judge applies the rule to the partner's tally, moving the shared warning
// clock; only the node whose compare-and-set wins logs the warning or
// suspends, so each happens once.
func (t *pushHealthTracker) judge(ctx context.Context, appID string, tally PushTally, now time.Time) (bool, string) {
	att, fail := tally.Attempts, tally.Failed
	over := att >= t.policy.MinSample && float64(fail) > t.policy.MaxFailure*float64(att)
	warn := func(from, to time.Time) bool {
		ok, err := t.n.store.SetPushWarning(ctx, appID, from, to)
		if err != nil {
			t.n.log.Warn("store push warning", "app_id", appID, "err", err)
		}
		return ok
	}
	switch {
	case !over:
		if !tally.WarnedAt.IsZero() {
			warn(tally.WarnedAt, time.Time{})
		}
	case tally.WarnedAt.IsZero():
		if t.suspended(ctx, appID) {
			break // another node suspended it while this one's attempts were under way
		}
		if warn(time.Time{}, now) {
			t.n.log.Warn("partner push failures over the limit; pushes will be suspended unless they recover",
				"app_id", appID, "failed", fail, "attempts", att, "window", t.policy.Window, "suspend_in", t.policy.Grace)
		}
	case now.Sub(tally.WarnedAt) >= t.policy.Grace:
		if t.suspended(ctx, appID) {
			break
		}
		// The clock starts again rather than stopping: the node whose
		// compare-and-set wins suspends, and the others (and attempts
		// that finish after the suspension) see a fresh warning, not a
		// partner to warn again.
		if warn(tally.WarnedAt, now) {
			return true, fmt.Sprintf("%d of %d pushes failed in %s (over %.0f%%) for %s; last error: %s",
				fail, att, t.policy.Window, t.policy.MaxFailure*100, t.policy.Grace, tally.LastError)
		}
	}
	return false, ""
}

// suspended reports whether the partner's pushes are suspended already
// (an unreadable partner counts as not suspended: the warning is logged).
func (t *pushHealthTracker) suspended(ctx context.Context, appID string) bool {
	p, err := t.n.store.GetPartner(ctx, appID)
	return err == nil && p.PushSuspended
}

// reset forgets a partner's counts and warning (on re-enable), so old
// failures do not suspend it again at once.
func (t *pushHealthTracker) reset(ctx context.Context, appID string) error {
	h := t.get(appID)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unshared, h.lastError = h.unshared[:0], ""
	return t.n.store.DeletePushHealth(ctx, appID)
}

// RecordPushAttempts feeds the push-health rule with delivered and failed
// attempts (lastErr describes the latest failure) and suspends the
// partner's pushes when the rule says so.
func (n *Domain) RecordPushAttempts(ctx context.Context, appID string, delivered, failed int, lastErr string) {
	// Millisecond precision: what the store keeps, so a restart reads back
	// the same clock.
	suspend, reason := n.pushHealth.record(ctx, appID, delivered, failed, lastErr, time.Now().UTC().Truncate(time.Millisecond))
	if !suspend {
		return
	}
	n.log.Warn("partner pushes suspended", "app_id", appID, "reason", reason)
	if _, err := n.SetPartnerPushSuspended(ctx, appID, true, reason); err != nil {
		n.log.Error("suspend partner pushes", "app_id", appID, "err", err)
	}
}

// ResumePartnerPushes re-enables a partner's suspended pushes (the admin
// API's push/enable) with a fresh failure window.
func (n *Domain) ResumePartnerPushes(ctx context.Context, appID string) error {
	if err := n.pushHealth.reset(ctx, appID); err != nil {
		return err
	}
	_, err := n.SetPartnerPushSuspended(ctx, appID, false, "")
	return err
}

// PartnerPushHealth reports how a partner's pushes fare.
func (n *Domain) PartnerPushHealth(ctx context.Context, appID string) (PushHealth, error) {
	p, err := n.Partner(ctx, appID)
	if err != nil {
		return PushHealth{}, err
	}
	h := PushHealth{State: PushActive, Pending: n.PendingPushes(appID)}
	t := n.pushHealth
	now := time.Now().UTC()
	tally, err := n.store.PushTally(ctx, appID, t.since(now))
	if err != nil {
		return PushHealth{}, err
	}
	h.Attempts, h.Failed, h.WarnedAt, h.LastError = tally.Attempts, tally.Failed, tally.WarnedAt, tally.LastError
	ph := t.get(appID)
	ph.mu.Lock()
	for _, c := range ph.unshared { // this node's counts not in the store yet
		if !c.Bucket.Before(t.since(now)) {
			h.Attempts += c.Attempts
			h.Failed += c.Failed
		}
	}
	if ph.lastError != "" {
		h.LastError = ph.lastError
	}
	h.Delivered = ph.delivered
	ph.mu.Unlock()
	switch {
	case p.PushSuspended:
		// The warning clock restarted at the suspension (judge); it
		// means nothing until pushes are re-enabled.
		h.State, h.SuspendedAt, h.WarnedAt = PushSuspended, p.PushSuspendedAt, time.Time{}
		if h.LastError == "" {
			h.LastError = p.PushSuspendedReason
		}
	case !h.WarnedAt.IsZero():
		h.State = PushWarned
	}
	return h, nil
}
