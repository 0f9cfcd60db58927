package aqara

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// The pusher delivers the outbox (core/outbox.go) to partners' push URLs:
// one lane per partner, each taking due pushes in batches and POSTing up to
// Concurrency of them at once. Only HTTP 200 with a JSON body whose code is
// 0 counts as delivered (spec 003); anything else (another status or body,
// a timeout, a refused connection) is retried with exponential back-off
// until GiveUp has passed since the event. Lanes run apart from device
// traffic: a slow partner only fills its own outbox.

// PushOptions tune delivery; zero values take the defaults.
type PushOptions struct {
	Timeout     time.Duration // per attempt; default 5s
	RetryMin    time.Duration // first back-off; default 1s
	RetryMax    time.Duration // back-off cap; default 10m
	GiveUp      time.Duration // retry horizon from the event; default 48h
	Concurrency int           // attempts in flight per partner; default 4
	Batch       int           // pushes taken per round; default 64
	Client      *http.Client  // default: one with Timeout
	// RootCAs verify partners' https:// push URLs; nil means the system's
	// roots. Verification is never skipped: a partner on a private CA is
	// trusted by adding that CA (serve --push-ca-file), not by turning
	// checks off.
	RootCAs *x509.CertPool
}

func (o PushOptions) withDefaults() PushOptions {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 10 * time.Minute
	}
	if o.GiveUp <= 0 {
		o.GiveUp = 48 * time.Hour
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: o.Timeout, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: o.Concurrency,
			IdleConnTimeout: 90 * time.Second, ResponseHeaderTimeout: o.Timeout,
			TLSClientConfig: &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		}}
	}
	return o
}

// idlePoll is the longest a lane sleeps without a wake-up, so a push
// written by another path (or a clock jump) is never stranded.
const idlePoll = 30 * time.Second

// maxAnswer bounds the partner's answer read per push.
const maxAnswer = 4 << 10

// Pusher delivers pushes. Start it after the node, Close it before.
type Pusher struct {
	api  *API
	o    PushOptions
	log  *slog.Logger
	stop chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	lanes  map[string]*lane
	closed bool

	delivered, failed, dead prometheus.Counter
}

type lane struct {
	appID string
	wake  chan struct{}
}

// NewPusher returns a pusher that renders with api's node.
func NewPusher(api *API, o PushOptions) *Pusher {
	m := api.metricsSet.PushAttempts
	return &Pusher{api: api, o: o.withDefaults(), log: api.log.With("part", "push"), stop: make(chan struct{}),
		lanes: map[string]*lane{}, delivered: m.WithLabelValues("delivered"), failed: m.WithLabelValues("failed"),
		dead: m.WithLabelValues("dead")}
}

// Start starts a lane for every partner with pending pushes or a push URL,
// and the pruning of old failed pushes.
func (p *Pusher) Start(ctx context.Context) error {
	ps, err := p.api.node.Partners(ctx)
	if err != nil {
		return err
	}
	p.api.node.OnPushEnqueued(p.wakeLane)
	p.api.node.OnPartnerChanged(p.wakeLane)
	for _, pt := range ps {
		if pt.PushURL != "" || p.api.node.PendingPushes(pt.AppID) > 0 {
			p.wakeLane(pt.AppID)
		}
	}
	p.wg.Add(1)
	go p.pruneLoop()
	return nil
}

// Close stops every lane; attempts in flight are abandoned (they stay
// pending and are retried after a restart).
func (p *Pusher) Close() {
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
func (p *Pusher) wakeLane(appID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	l := p.lanes[appID]
	if l == nil {
		l = &lane{appID: appID, wake: make(chan struct{}, 1)}
		p.lanes[appID] = l
		p.wg.Add(1)
		go p.run(l)
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run is one partner's lane.
func (p *Pusher) run(l *lane) {
	defer p.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		wait := p.round(ctx, l.appID)
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-p.stop:
			t.Stop()
			return
		case <-l.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// round delivers one batch and returns how long to wait before the next
// (0: go on at once).
func (p *Pusher) round(ctx context.Context, appID string) time.Duration {
	node := p.api.node
	partner, err := node.Partner(ctx, appID)
	if err != nil {
		if !errors.Is(err, core.ErrPartnerNotFound) && ctx.Err() == nil {
			p.log.Warn("read partner", "app_id", appID, "err", err)
		}
		return idlePoll
	}
	if partner.PushURL == "" || partner.Suspended || partner.PushSuspended {
		return idlePoll // woken by OnPartnerChanged when this changes
	}
	now := time.Now()
	due, err := node.DuePushes(ctx, appID, now, p.o.Batch)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("read due pushes", "app_id", appID, "err", err)
		}
		return time.Second
	}
	if len(due) == 0 {
		next, ok, err := node.NextPushAt(ctx, appID)
		if err != nil || !ok {
			return idlePoll
		}
		return min(max(time.Until(next), time.Millisecond), idlePoll)
	}
	results := make([]error, len(due))
	sem := make(chan struct{}, p.o.Concurrency)
	var wg sync.WaitGroup
	for i := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = p.deliver(ctx, partner, due[i])
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return idlePoll // closing: what was in flight stays pending
	}
	var ok []int64
	var fails []store.PushFailure
	lastErr := ""
	at := time.Now().UTC()
	for i, err := range results {
		if err == nil {
			ok = append(ok, due[i].ID)
			continue
		}
		lastErr = err.Error()
		f := store.PushFailure{ID: due[i].ID, Attempts: due[i].Attempts + 1, Error: truncate(lastErr, 500), At: at}
		f.NextAt = at.Add(p.backoff(f.Attempts))
		f.Dead = f.NextAt.Sub(due[i].CreatedAt) > p.o.GiveUp
		if f.Dead {
			p.dead.Inc()
			p.log.Warn("push given up", "app_id", appID, "msg_id", due[i].MsgID, "attempts", f.Attempts, "err", lastErr)
		}
		fails = append(fails, f)
	}
	p.delivered.Add(float64(len(ok)))
	p.failed.Add(float64(len(fails)))
	if err := node.PushesDelivered(ctx, appID, ok); err != nil {
		p.log.Warn("record delivered pushes", "app_id", appID, "err", err) // they are sent again: at least once
	}
	if err := node.PushesFailed(ctx, appID, fails); err != nil {
		p.log.Warn("record failed pushes", "app_id", appID, "err", err)
	}
	node.RecordPushAttempts(ctx, appID, len(ok), len(fails), lastErr)
	return 0
}

// backoff is the wait after the n-th failed attempt: RetryMin doubling to
// RetryMax, with ±20 % jitter so a recovering partner is not hit by every
// retry at once.
func (p *Pusher) backoff(n int) time.Duration {
	d := float64(p.o.RetryMin) * math.Pow(2, float64(min(n-1, 40)))
	d = min(d, float64(p.o.RetryMax))
	return time.Duration(d * (0.8 + 0.4*mrand.Float64()))
}

// deliver makes one attempt; nil means the partner answered {"code":0}.
func (p *Pusher) deliver(ctx context.Context, partner store.Partner, push store.Push) error {
	m, err := decodeMessage(push.Payload)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	msg, err := p.api.render(ctx, push.MsgID, m)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	body, _ := json.Marshal(pushBody{Token: m.OpenID, Data: string(msg)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, partner.PushURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	nonce, ms := newNonce(), strconv.FormatInt(time.Now().UnixMilli(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(aqarasign.PushHeaderTime, ms)
	req.Header.Set(aqarasign.PushHeaderNonce, nonce)
	if partner.PushSign {
		req.Header.Set(aqarasign.PushHeaderAppKey, partner.PushAppKey)
		req.Header.Set(aqarasign.PushHeaderSign, aqarasign.PushSign(partner.PushAppKey, nonce, ms, "", partner.PushAppSecret))
	}
	resp, err := p.o.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("reading answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var a struct {
		Code *json.Number `json:"code"`
	}
	if err := json.Unmarshal(answer, &a); err != nil || a.Code == nil || a.Code.String() != "0" {
		return fmt.Errorf("answer is not {\"code\":0}: %q", truncate(string(answer), 100))
	}
	return nil
}

// pruneLoop deletes done pushes past the 12-hour errorMsg retention, hourly.
func (p *Pusher) pruneLoop() {
	defer p.wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if n, err := p.api.node.PrunePushes(ctx, time.Now().Add(-FailedRetention)); err != nil {
			p.log.Warn("prune pushes", "err", err)
		} else if n > 0 {
			p.log.Info("pruned old failed pushes", "count", n)
		}
		cancel()
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
	}
}

func newNonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
