package partners

import (
	"context"
	"fmt"
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
// The window and the warning clock are kept in the store (PutPushWindow),
// so a restart neither forgets a warning (which would let a partner whose
// failures outlast the grace period escape suspension as long as the server
// restarts often enough) nor logs it again. A window is written after every
// batch of attempts while it holds a failure or a warning, and once more
// when it becomes clean; a clean window is not written, so a healthy
// partner costs no extra write (a restart only forgets successes, which at
// worst judges the next window on fewer attempts).

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

type partnerHealth struct {
	attempts, failed [healthBuckets]int
	start            time.Time // start of the newest bucket
	delivered        int64
	warnedAt         time.Time
	lastError        string
	stored           bool // the store holds a window with a failure or warning
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

// load reads the windows the store keeps.
func (t *pushHealthTracker) load(ctx context.Context) error {
	ws, err := t.n.store.ListPushWindows(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, w := range ws {
		h := &partnerHealth{start: w.Start, warnedAt: w.WarnedAt, lastError: w.LastError, stored: true}
		copy(h.attempts[:], w.Attempts)
		copy(h.failed[:], w.Failed)
		t.m[w.AppID] = h
	}
	return nil
}

// window is h as the store keeps it.
func (h *partnerHealth) window(appID string) PushWindow {
	return PushWindow{AppID: appID, Start: h.start, Attempts: h.attempts[:], Failed: h.failed[:],
		WarnedAt: h.warnedAt, LastError: h.lastError}
}

// save writes w when it matters (see the top of this file); dirty says it
// holds a failure or a warning. Called with t.mu held, which keeps a
// partner's writes in order.
func (t *pushHealthTracker) save(ctx context.Context, h *partnerHealth, w PushWindow, dirty bool) {
	if !dirty && !h.stored {
		return
	}
	if err := t.n.store.PutPushWindow(ctx, w); err != nil {
		t.n.log.Warn("store push window", "app_id", w.AppID, "err", err)
		return
	}
	h.stored = dirty
}

// advance moves h's window to now, clearing buckets that fell out.
func (t *pushHealthTracker) advance(h *partnerHealth, now time.Time) {
	step := t.policy.Window / healthBuckets
	if h.start.IsZero() {
		h.start = now.Truncate(step)
		return
	}
	for k := 0; now.Sub(h.start) >= step && k <= healthBuckets; k++ {
		copy(h.attempts[1:], h.attempts[:healthBuckets-1])
		copy(h.failed[1:], h.failed[:healthBuckets-1])
		h.attempts[0], h.failed[0] = 0, 0
		h.start = h.start.Add(step)
	}
	if now.Sub(h.start) >= step { // idle for longer than the window
		h.start = now.Truncate(step)
	}
}

func sum(a [healthBuckets]int) int {
	s := 0
	for _, v := range a {
		s += v
	}
	return s
}

// record counts attempts and applies the rule. It returns whether the
// partner must now be suspended.
func (t *pushHealthTracker) record(ctx context.Context, appID string, delivered, failed int, lastErr string, now time.Time) (suspend bool, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.m[appID]
	if h == nil {
		h = &partnerHealth{}
		t.m[appID] = h
	}
	t.advance(h, now)
	h.attempts[0] += delivered + failed
	h.failed[0] += failed
	h.delivered += int64(delivered)
	if lastErr != "" {
		h.lastError = lastErr
	}
	att, fail := sum(h.attempts), sum(h.failed)
	over := att >= t.policy.MinSample && float64(fail) > t.policy.MaxFailure*float64(att)
	defer func() { t.save(ctx, h, h.window(appID), fail > 0 || !h.warnedAt.IsZero()) }()
	switch {
	case !over:
		h.warnedAt = time.Time{}
	case h.warnedAt.IsZero():
		h.warnedAt = now
		t.n.log.Warn("partner push failures over the limit; pushes will be suspended unless they recover",
			"app_id", appID, "failed", fail, "attempts", att, "window", t.policy.Window, "suspend_in", t.policy.Grace)
	case now.Sub(h.warnedAt) >= t.policy.Grace:
		h.warnedAt = time.Time{}
		return true, fmt.Sprintf("%d of %d pushes failed in %s (over %.0f%%) for %s; last error: %s",
			fail, att, t.policy.Window, t.policy.MaxFailure*100, t.policy.Grace, h.lastError)
	}
	return false, ""
}

// reset forgets a partner's window (on re-enable), so old failures do not
// suspend it again at once.
func (t *pushHealthTracker) reset(ctx context.Context, appID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h := t.m[appID]; h != nil {
		h.attempts, h.failed, h.warnedAt, h.stored = [healthBuckets]int{}, [healthBuckets]int{}, time.Time{}, false
	}
	return t.n.store.DeletePushWindow(ctx, appID)
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
	t.mu.Lock()
	if ph := t.m[appID]; ph != nil {
		t.advance(ph, time.Now())
		h.Attempts, h.Failed, h.Delivered = sum(ph.attempts), sum(ph.failed), ph.delivered
		h.WarnedAt, h.LastError = ph.warnedAt, ph.lastError
	}
	t.mu.Unlock()
	switch {
	case p.PushSuspended:
		h.State, h.SuspendedAt = PushSuspended, p.PushSuspendedAt
		if h.LastError == "" {
			h.LastError = p.PushSuspendedReason
		}
	case !h.WarnedAt.IsZero():
		h.State = PushWarned
	}
	return h, nil
}
