package partners

import (
	"context"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-iot/switchboard/internal/logevery"
	"github.com/switchboard-iot/switchboard/store"
)

// The delivery loop takes the outbox (outbox.go) to partners: one lane per
// partner (lane.go), each claiming due pushes in batches (a row lease in
// the store, so with several nodes each push is attempted by one node at a
// time) and keeping as many attempts in flight through a Sender (the wire
// format is the adapter's) as the partner's window allows (window.go:
// AIMD between 1 and MaxInFlight). An attempt that fails is retried with
// exponential back-off until GiveUp has passed since the event; every
// attempt counts in the partner's push health (pushhealth.go), which
// suspends a partner that keeps failing. Lanes run apart from device
// traffic: a slow partner only fills its own outbox. This file and lane.go
// are the one place for that policy.

// Sender makes one delivery attempt of a push; nil means the partner
// acknowledged it.
type Sender interface {
	Send(ctx context.Context, p Partner, push store.Push) error
}

// DeliveryOptions tune delivery; zero values take the defaults.
type DeliveryOptions struct {
	RetryMin time.Duration // first back-off; default 1s
	RetryMax time.Duration // back-off cap; default 10m
	GiveUp   time.Duration // retry horizon from the event; default 48h
	// MaxInFlight caps a partner's window of attempts in flight (it adapts
	// between 1 and this, window.go); default DefaultMaxInFlight.
	MaxInFlight int
	Batch       int // least pushes kept claimed ahead of the attempts; default 1024
	// Claimant names this node in its claims (the node id), so a restart
	// takes back what the previous life held (Start).
	Claimant string
	// AttemptTimeout bounds one attempt (the sender's own limit); with the
	// window it sets how long a claim on pushes lasts. Default 5s.
	AttemptTimeout time.Duration
	// FailedRetention is how long done pushes that failed at least once
	// stay listed (the partner's failed-push query); default 12h.
	FailedRetention time.Duration
	// PendingRefresh is how often the partners' pending counts (the
	// backlog bound) are read back from the store, and quiet partners'
	// clean push counts added to it, for nodes sharing it (outbox.go,
	// pushhealth.go); 0 never does, which is exact for a node alone on
	// its store.
	PendingRefresh time.Duration
	// Attempts counts attempts by result: "delivered", "failed", "dead".
	Attempts *prometheus.CounterVec
	// Window is set to each partner's window (label app_id).
	Window *prometheus.GaugeVec
	Logger *slog.Logger
}

// DefaultMaxInFlight is the default ceiling of a partner's window: at
// 100 ms a round trip it allows 2,560 pushes/s, and it is what one partner
// may see at once from one node.
const DefaultMaxInFlight = 256

func (o DeliveryOptions) withDefaults() DeliveryOptions {
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Minute
	}
	if o.GiveUp <= 0 {
		o.GiveUp = 48 * time.Hour
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.Batch <= 0 {
		o.Batch = 1024
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 5 * time.Second
	}
	if o.FailedRetention <= 0 {
		o.FailedRetention = 12 * time.Hour
	}
	if o.Attempts == nil {
		o.Attempts = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "unregistered_push_attempts"}, []string{"result"})
	}
	if o.Window == nil {
		o.Window = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "unregistered_push_window"}, []string{"app_id"})
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// DefaultPendingRefresh is how often nodes sharing a store read the
// pending counts back from it: one count of the pending pushes per node
// per interval.
const DefaultPendingRefresh = time.Second

// idlePoll is the longest a lane sleeps without a wake-up, so a push
// written by another path (or a clock jump) is never stranded.
const idlePoll = 30 * time.Second

// Delivery delivers the outbox. Start it after the node, Close it before.
type Delivery struct {
	d    *Domain
	send Sender
	o    DeliveryOptions
	log  *slog.Logger
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	lanes  map[string]*lane
	closed bool

	delivered, failed, dead prometheus.Counter
}

// NewDelivery returns the delivery loop of the domain's outbox through
// send.
func (n *Domain) NewDelivery(send Sender, o DeliveryOptions) *Delivery {
	o = o.withDefaults()
	return &Delivery{d: n, send: send, o: o, log: o.Logger.With("part", "push"), stop: make(chan struct{}),
		lanes: map[string]*lane{}, delivered: o.Attempts.WithLabelValues("delivered"),
		failed: o.Attempts.WithLabelValues("failed"), dead: o.Attempts.WithLabelValues("dead")}
}

// Start starts a lane for every partner with pending pushes or a push URL,
// and the pruning of old failed pushes.
func (p *Delivery) Start(ctx context.Context) error {
	// What this node claimed before it died is due now, not when the
	// claims would have lapsed.
	if n, err := p.d.store.ReleaseClaims(ctx, p.o.Claimant, time.Now()); err != nil {
		return err
	} else if n > 0 {
		p.log.Info("released the push claims of this node's previous life", "pushes", n)
	}
	ps, err := p.d.Partners(ctx)
	if err != nil {
		return err
	}
	p.d.OnPushEnqueued(p.wakeLane)
	p.d.OnPartnerChanged(p.wakeLane)
	for _, pt := range ps {
		if pt.PushURL != "" || p.d.PendingPushes(pt.AppID) > 0 {
			p.wakeLane(pt.AppID)
		}
	}
	p.wg.Add(1)
	go p.pruneLoop()
	if p.o.PendingRefresh > 0 {
		p.wg.Add(1)
		go p.pendingLoop()
	}
	return nil
}

// pendingLoop reads the pending counts back from the store, and shares the
// push counts this node kept to itself (pushhealth.go), until Close. A
// count reads the whole pending index, so with a large backlog it waits
// ten times as long as the last count took: at most a tenth of a
// database connection goes to it (100,000 pending pushes took 47 ms on
// PostgreSQL, BenchmarkCountPendingPushes), and the bound it keeps is
// then large against what the other nodes add meanwhile.
func (p *Delivery) pendingLoop() {
	defer p.wg.Done()
	failures := logevery.Limiter{Every: 10 * time.Second}
	wait := p.o.PendingRefresh
	for {
		t := time.NewTimer(wait)
		select {
		case <-p.stop:
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(p.o.PendingRefresh, time.Minute))
		began := time.Now()
		if err := p.d.outbox.refresh(ctx); err != nil {
			if ok, suppressed := failures.Allow(time.Now()); ok {
				p.log.Warn("read pending push counts", "err", err, "suppressed", suppressed)
			}
		}
		wait = max(p.o.PendingRefresh, 10*time.Since(began))
		p.d.pushHealth.shareIdle(ctx, time.Now().UTC().Truncate(time.Millisecond))
		cancel()
	}
}

// Close stops every lane; attempts in flight are abandoned (they stay
// pending and are retried after a restart).
func (p *Delivery) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stop)
	p.mu.Unlock()
	p.wg.Wait()
}

// wakeLane starts the partner's lane if needed and wakes it.
func (p *Delivery) wakeLane(appID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	l := p.lanes[appID]
	if l == nil {
		l = p.newLane(appID)
		p.lanes[appID] = l
		p.wg.Add(1)
		go p.run(l)
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// backoff is the wait after the n-th failed attempt: RetryMin doubling to
// RetryMax, with ±20 % jitter so a recovering partner is not hit by every
// retry at once.
func (p *Delivery) backoff(n int) time.Duration {
	d := float64(p.o.RetryMin) * math.Pow(2, float64(min(n-1, 40)))
	d = min(d, float64(p.o.RetryMax))
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}

// pruneLoop deletes done pushes past FailedRetention and expired intent
// nonces, hourly.
func (p *Delivery) pruneLoop() {
	defer p.wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if n, err := p.d.store.PrunePushes(ctx, time.Now().Add(-p.o.FailedRetention)); err != nil {
			p.log.Warn("prune pushes", "err", err)
		} else if n > 0 {
			p.log.Info("pruned old failed pushes", "count", n)
		}
		if _, err := p.d.store.PruneNonces(ctx, time.Now()); err != nil {
			p.log.Warn("prune intent nonces", "err", err)
		}
		cancel()
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
