package gizapp

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Login and sign-up limits per client IP. A person types a password a few
// times a minute and the JS SDK signs in once per page load, so 5 a second
// with bursts of 10 never touches them, while a guesser is slowed to a
// crawl (each attempt also costs an argon2id run, which the core bounds
// separately).
const (
	loginRate      = rate.Limit(5)
	loginBurst     = 10
	limiterEntries = 4096
)

// Anonymous sign-in (POST /app/users with phone_id alone) runs no password
// hash and creates at most one user per install, but the Gizwits JS SDK
// sends it on every page load, so a busy site behind one address (a
// carrier NAT, an office, a proxy not named in --trusted-proxies) must not
// lock itself out. It is limited twice: per address with a budget a real
// page-load rate fits (bursts of 100, then 20 a second), and per phone_id
// (bursts of 10, then one every 6 s) so one script cannot spend a
// site's budget by itself. See docs/operations.md, "Limits".
const (
	anonRate     = rate.Limit(20)
	anonBurst    = 100
	phoneIDRate  = rate.Limit(1.0 / 6)
	phoneIDBurst = 10
)

// limiter is a token bucket per key, in a map of bounded size: a node's
// own budget, used alone without a shared store and as the fallback when
// the store fails (sharedlimit.go keeps the budgets across nodes).
//
// Why evict full buckets: a bucket that has refilled to its burst behaves
// exactly like a new one, so dropping it loses nothing. Only when every
// bucket is partly drained (many addresses hammering at once) are random
// ones dropped, which at worst hands those addresses a fresh burst: no
// more than an attacker with that many addresses has anyway.
type limiter struct {
	mu    sync.Mutex
	m     map[string]*rate.Limiter
	r     rate.Limit
	burst int
	max   int
}

func newLimiter(r rate.Limit, burst, max int) *limiter {
	return &limiter{m: make(map[string]*rate.Limiter), r: r, burst: burst, max: max}
}

// allow takes one token from key's bucket.
func (l *limiter) allow(key string) bool {
	return l.allowAt(key, time.Now())
}

func (l *limiter) allowAt(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[key]
	if b == nil {
		if len(l.m) >= l.max {
			l.evict(now)
		}
		b = rate.NewLimiter(l.r, l.burst)
		l.m[key] = b
	}
	return b.AllowN(now, 1)
}

// evict drops every refilled bucket and then, if the map is still full,
// random ones down to 7/8 of the bound, so a sustained flood of new keys
// pays for a sweep only once per max/8 keys.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.m {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.m, k)
		}
	}
	for k := range l.m { // map order is random
		if len(l.m) < l.max*7/8 {
			break
		}
		delete(l.m, k)
	}
}

// size is the number of buckets held (for tests).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
