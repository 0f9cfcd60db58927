package gizapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/switchboard-iot/switchboard/store"
)

// Limits keeps the login and sign-in budgets where every node sharing the
// store spends them (store.RateLimits; the store satisfies it), so N nodes
// allow the documented rate once, not N times.
type Limits interface {
	TakeToken(ctx context.Context, b store.Bucket, key string, now time.Time) (ok bool, retryAt time.Time, err error)
	PruneRateLimits(ctx context.Context, now time.Time) (int, error)
}

const (
	// pruneEvery is how often a node deletes the full buckets: rows of
	// clients that stopped, which behave exactly as no row.
	pruneEvery = time.Minute
	// warnEvery spaces out the warning of a failing store: under a flood
	// of logins one line a request would drown the log.
	warnEvery = 10 * time.Second
)

// budgets are the API's three budgets and what they share: the store, the
// prune clock and the warning clock.
type budgets struct {
	shared    Limits // nil: each budget is this node's alone
	log       *slog.Logger
	nextPrune atomic.Int64 // unix ms
	nextWarn  atomic.Int64 // unix ms

	login   *budget // password logins, sign-ups and changes, per address
	anon    *budget // anonymous sign-ins, per address
	phoneID *budget // anonymous sign-ins, per application and phone_id
}

func newBudgets(shared Limits, log *slog.Logger) *budgets {
	bs := &budgets{shared: shared, log: log}
	bs.login = bs.budget("login", loginRate, loginBurst)
	bs.anon = bs.budget("anon", anonRate, anonBurst)
	bs.phoneID = bs.budget("phone_id", phoneIDRate, phoneIDBurst)
	return bs
}

func (bs *budgets) budget(name string, r rate.Limit, burst int) *budget {
	return &budget{
		bs:      bs,
		bucket:  store.Bucket{Name: name, Every: time.Duration(math.Round(float64(time.Second) / float64(r))), Burst: burst},
		local:   newLimiter(r, burst, limiterEntries),
		refused: newRefusals(limiterEntries),
	}
}

// budget is one family of buckets, one per key.
//
// With a store it asks the store for every take, in front of which sits a
// cache of the store's refusals: once the store said a key has no token
// until t, this node refuses the key until t without asking again. That is
// exact, not a guess: takes on other nodes can only move t later. So a
// client hammering one node costs the store one statement per refill
// interval, not one per request.
//
// When the store fails, the node's own bucket decides (the budget as it was
// before nodes shared it): see docs/decisions.md, "Login and sign-in
// budgets across nodes".
type budget struct {
	bs      *budgets
	bucket  store.Bucket
	local   *limiter
	refused *refusals
}

// allow takes one token from key's bucket.
func (b *budget) allow(ctx context.Context, key string) bool {
	now := time.Now()
	if b.bs.shared == nil {
		return b.local.allowAt(key, now)
	}
	if b.refused.until(key, now) {
		return false
	}
	ok, retryAt, err := b.bs.shared.TakeToken(ctx, b.bucket, storeKey(key), now)
	if err != nil {
		b.bs.warn("rate limit store failed; this node's own budget applies", "bucket", b.bucket.Name, "err", err)
		return b.local.allowAt(key, now)
	}
	if !ok {
		b.refused.set(key, retryAt, now)
		return false
	}
	b.bs.prune(ctx, now)
	return true
}

// prune deletes the full buckets at most once per pruneEvery per node.
func (bs *budgets) prune(ctx context.Context, now time.Time) {
	next := bs.nextPrune.Load()
	if now.UnixMilli() < next || !bs.nextPrune.CompareAndSwap(next, now.Add(pruneEvery).UnixMilli()) {
		return
	}
	if _, err := bs.shared.PruneRateLimits(ctx, now); err != nil {
		bs.warn("prune rate limits failed", "err", err)
	}
}

// warn logs at most once per warnEvery.
func (bs *budgets) warn(msg string, args ...any) {
	now := time.Now().UnixMilli()
	next := bs.nextWarn.Load()
	if now < next || !bs.nextWarn.CompareAndSwap(next, now+warnEvery.Milliseconds()) {
		return
	}
	bs.log.Warn(msg, args...)
}

// storeKey is key as the store keeps it: as is when it is short printable
// UTF-8 (a client address), else its SHA-256, since a phone_id is the
// client's choice and may hold bytes PostgreSQL's text refuses (NUL).
func storeKey(key string) string {
	if len(key) <= 100 && utf8.ValidString(key) && !strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 }) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// refusals remembers, per key, until when the store refuses it; bounded
// like limiter, dropping lapsed entries first (they refuse nothing).
type refusals struct {
	mu  sync.Mutex
	m   map[string]time.Time
	max int
}

func newRefusals(max int) *refusals {
	return &refusals{m: make(map[string]time.Time), max: max}
}

// until reports whether key is refused at now.
func (r *refusals) until(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.m[key]
	if ok && !now.Before(t) {
		delete(r.m, key)
		return false
	}
	return ok
}

// set records that key is refused until t.
func (r *refusals) set(key string, t, now time.Time) {
	if !t.After(now) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[key]; !ok && len(r.m) >= r.max {
		for k, until := range r.m {
			if !now.Before(until) {
				delete(r.m, k)
			}
		}
		for k := range r.m { // map order is random
			if len(r.m) < r.max*7/8 {
				break
			}
			delete(r.m, k)
		}
	}
	r.m[key] = t
}
