package partners

import (
	"context"
	"errors"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-iot/switchboard/store"
)

// A lane is one partner's delivery, a pipeline of three parts so that no
// attempt waits for another and no attempt waits for the disk:
//
//   - the dispatcher (run) keeps a queue of claimed pushes, oldest first,
//     refilled when half empty to queueTarget, and starts attempts while
//     the window (window.go) has room;
//   - each attempt is a goroutine that sends one push and hands its
//     outcome on;
//   - the settler records outcomes in batches (PushesDelivered,
//     PushesFailed: one transaction each per batch), whatever arrived
//     within settleLinger or while the previous batch was written.
//
// A claim is a row lease long enough for every push it holds to start
// within the window at the attempt timeout; a claimed push whose lease
// would end before its attempt could is not started (it becomes due again
// when the lease ends), so a push is never attempted by two nodes at once.
// When the window is down to 1 and attempts keep failing, the lane waits
// between attempts (probeWait): a dead partner gets one probe at a time,
// and the pushes behind it keep their place instead of each failing and
// backing off, so when the partner is back the backlog goes out as fast
// as the window grows. Order is not kept (it never was: several attempts
// are in flight, and a failed push is retried later).

// claimMargin is added to a claim's lease beyond its attempts' time;
// maxLease caps the lease (a push it does not cover is not started, and is
// claimed again when the lease ends).
const (
	claimMargin = 5 * time.Second
	maxLease    = 2 * time.Minute
)

// settleMax bounds the outcomes recorded in one transaction; settleLinger
// is how long the settler collects outcomes before it writes them. Each
// transaction is an fsync and holds the store's single writer (SQLite),
// which the device path's state flushes need too; the pushes are delivered
// already, so recording them 10 ms later only risks sending them again
// after a crash (at least once).
const (
	settleMax    = 1024
	settleLinger = 10 * time.Millisecond
)

// probeAfter is the failures in a row, with the window at 1, after which
// the lane waits between attempts; probeMax caps that wait (RetryMax when
// shorter): one request a second costs a dead partner nothing, and a
// partner that is back waits at most that long for its backlog.
const (
	probeAfter = 3
	probeMax   = time.Second
)

type lane struct {
	appID string
	wake  chan struct{} // pushes enqueued, partner changed, failures settled
	freed chan struct{} // an attempt ended
	win   *window
	gauge prometheus.Gauge

	mu         sync.Mutex
	pauseUntil time.Time
}

// claimed is a push this lane holds a lease on.
type claimed struct {
	push  store.Push
	until time.Time
}

type outcome struct {
	push store.Push
	err  error
}

// laneState is the dispatcher's own.
type laneState struct {
	partner  Partner
	fresh    bool // partner read since the last wake
	queue    []claimed
	drained  bool      // the last claim found fewer due pushes than it asked for
	nextDue  time.Time // then: the earliest next attempt (zero: none pending)
	attempts sync.WaitGroup
	outcomes chan outcome
}

func (p *Delivery) newLane(appID string) *lane {
	l := &lane{appID: appID, wake: make(chan struct{}, 1), freed: make(chan struct{}, 1),
		win: newWindow(p.o.MaxInFlight), gauge: p.o.Window.WithLabelValues(appID)}
	l.gauge.Set(float64(l.win.size()))
	return l
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (l *lane) pausedUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pauseUntil
}

// run is the lane's dispatcher.
func (p *Delivery) run(l *lane) {
	defer p.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	st := &laneState{outcomes: make(chan outcome, settleMax)}
	settled := make(chan struct{})
	go func() {
		defer close(settled)
		p.settleLoop(l, st.outcomes)
	}()
	defer func() {
		// Attempts in flight are abandoned (their pushes stay claimed and
		// are due again when the lease ends or this node restarts); what
		// was delivered is still recorded.
		cancel()
		st.attempts.Wait()
		close(st.outcomes)
		<-settled
	}()
	for {
		wait := p.step(ctx, l, st)
		if wait == 0 {
			select {
			case <-p.stop:
				return
			default:
				continue
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-p.stop:
			t.Stop()
			return
		case <-l.wake:
			st.fresh, st.drained = false, false
		case <-l.freed:
		case <-t.C:
			st.drained = false
		}
		t.Stop()
	}
}

// step claims and starts what it can and returns how long to wait for
// something to change (0: step again at once).
func (p *Delivery) step(ctx context.Context, l *lane, st *laneState) time.Duration {
	now := time.Now()
	if until := l.pausedUntil(); now.Before(until) {
		return until.Sub(now)
	}
	size := l.win.size()
	wantMore := !st.drained && len(st.queue) <= p.queueTarget(size)/2
	if !st.fresh || wantMore {
		pt, err := p.d.Partner(ctx, l.appID)
		if err != nil {
			if !errors.Is(err, ErrPartnerNotFound) && ctx.Err() == nil {
				p.log.Warn("read partner", "app_id", l.appID, "err", err)
				return time.Second
			}
			st.queue = nil
			return idlePoll
		}
		st.partner, st.fresh = pt, true
		if pt.PushURL == "" || pt.Suspended || pt.PushSuspended {
			// Woken by OnPartnerChanged when this changes; the queue's
			// pushes are due again when their leases end.
			st.queue = nil
			return idlePoll
		}
		if wantMore {
			if err := p.claim(ctx, l, st, size, now); err != nil {
				if ctx.Err() == nil {
					p.log.Warn("claim due pushes", "app_id", l.appID, "err", err)
				}
				return time.Second
			}
		}
	}
	for len(st.queue) > 0 {
		c := st.queue[0]
		if time.Until(c.until) < p.o.AttemptTimeout+time.Second {
			st.queue = st.queue[1:] // its lease ends before the attempt could: left to the next claim
			continue
		}
		tk, ok := l.win.take()
		if !ok {
			break
		}
		st.queue = st.queue[1:]
		st.attempts.Add(1)
		go p.attempt(ctx, l, st, st.partner, c.push, tk)
	}
	switch {
	case len(st.queue) > 0:
		return idlePoll // window full: an attempt's end (freed) comes first
	case !st.drained:
		return 0 // claim more
	case st.nextDue.IsZero():
		return idlePoll
	default:
		return min(max(time.Until(st.nextDue), time.Millisecond), idlePoll)
	}
}

// queueTarget is how many claimed pushes a lane keeps waiting to start:
// twice the window, and at least Batch. A claim is a write that waits for
// the store's writer behind the device path's flushes, so it must be
// large and early enough that attempts do not wait for it: a window held
// small by claims that come too late would never grow (it grows only
// while full).
func (p *Delivery) queueTarget(size int) int { return max(p.o.Batch, 2*size) }

// claim leases due pushes, refilling the queue to its target, each held
// long enough to start at the window's pace (at most maxLease).
func (p *Delivery) claim(ctx context.Context, l *lane, st *laneState, size int, now time.Time) error {
	n := max(p.queueTarget(size)-len(st.queue), 1)
	rounds := (len(st.queue) + n + size - 1) / size
	until := now.Add(min(time.Duration(rounds)*p.o.AttemptTimeout+claimMargin, maxLease))
	due, err := p.d.store.ClaimPushes(ctx, l.appID, p.o.Claimant, now, until, n)
	if err != nil {
		return err
	}
	for _, push := range due {
		st.queue = append(st.queue, claimed{push: push, until: until})
	}
	if len(due) < n {
		st.drained = true
		next, ok, err := p.d.store.NextPushAt(ctx, l.appID)
		st.nextDue = time.Time{}
		if err == nil && ok {
			st.nextDue = next
		}
	}
	return nil
}

// attempt sends one push and hands its outcome to the settler.
func (p *Delivery) attempt(ctx context.Context, l *lane, st *laneState, partner Partner, push store.Push, tk ticket) {
	defer st.attempts.Done()
	defer signal(l.freed)
	err := p.send.Send(ctx, partner, push)
	if err != nil && ctx.Err() != nil {
		l.win.forget() // closing: the push stays claimed, not failed
		return
	}
	st.outcomes <- outcome{push: push, err: err}
	failRun, atFloor := l.win.done(tk, err == nil)
	l.gauge.Set(float64(l.win.size()))
	if err != nil && atFloor && failRun >= probeAfter {
		l.mu.Lock()
		l.pauseUntil = time.Now().Add(p.probeWait(failRun))
		l.mu.Unlock()
	}
}

// probeWait is the lane's wait before its next attempt after failRun
// failures in a row at a window of 1: RetryMin doubling, capped at
// probeMax (RetryMax when shorter), ±20 % jitter.
func (p *Delivery) probeWait(failRun int) time.Duration {
	d := float64(p.o.RetryMin) * math.Pow(2, float64(min(failRun-probeAfter, 40)))
	d = min(d, float64(min(probeMax, p.o.RetryMax)))
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}

// settleLoop records outcomes until in is closed, each batch being what
// arrived within settleLinger of its first outcome (or while the previous
// batch was written).
func (p *Delivery) settleLoop(l *lane, in <-chan outcome) {
	batch := make([]outcome, 0, settleMax)
	for o := range in {
		batch = append(batch[:0], o)
		linger := time.NewTimer(settleLinger)
	more:
		for len(batch) < settleMax {
			select {
			case o, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, o)
			case <-linger.C:
				break more
			}
		}
		linger.Stop()
		p.settle(l, batch)
	}
}

// settle records one batch of outcomes: deliveries, failures with their
// back-off or death, and the partner's push health.
func (p *Delivery) settle(l *lane, batch []outcome) {
	// Not the lane's context: what was delivered before a Close is still
	// recorded (else it would be sent again after the restart).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, appID := p.d, l.appID
	var ok []int64
	var fails []PushFailure
	lastErr := ""
	at := time.Now().UTC()
	for _, o := range batch {
		if o.err == nil {
			ok = append(ok, o.push.ID)
			continue
		}
		lastErr = o.err.Error()
		f := PushFailure{ID: o.push.ID, Attempts: o.push.Attempts + 1, Error: truncate(lastErr, 500), At: at}
		f.NextAt = at.Add(p.backoff(f.Attempts))
		f.Dead = f.NextAt.Sub(o.push.CreatedAt) > p.o.GiveUp
		if f.Dead {
			p.dead.Inc()
			p.log.Warn("push given up", "app_id", appID, "msg_id", o.push.MsgID, "attempts", f.Attempts, "err", lastErr)
		}
		fails = append(fails, f)
	}
	p.delivered.Add(float64(len(ok)))
	p.failed.Add(float64(len(fails)))
	if err := d.pushesDelivered(ctx, appID, ok); err != nil {
		p.log.Warn("record delivered pushes", "app_id", appID, "err", err) // they are sent again: at least once
	}
	if err := d.pushesFailed(ctx, appID, fails); err != nil {
		p.log.Warn("record failed pushes", "app_id", appID, "err", err)
	}
	d.RecordPushAttempts(ctx, appID, len(ok), len(fails), lastErr)
	if len(fails) > 0 {
		signal(l.wake) // their next attempts are scheduled now; the partner may be suspended
	}
}
