package gizapp_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
	"github.com/switchboard-iot/switchboard/internal/clientaddr"
	"github.com/switchboard-iot/switchboard/server"
)

func TestLoginRateLimited(t *testing.T) {
	e := start(t)
	// Without an appid each attempt is refused cheaply (9003), so the
	// burst is used up fast; the limit comes before the appid check.
	throttled := false
	for i := 0; i < 50 && !throttled; i++ {
		r := e.do("POST", "/app/login", nil, map[string]any{"username": "a", "password": "b"})
		switch r.status {
		case http.StatusTooManyRequests:
			wantErr(t, r, 429, 9041)
			if r.header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			throttled = true
		default:
			wantErr(t, r, 400, 9003)
		}
	}
	if !throttled {
		t.Fatal("50 quick logins were never throttled")
	}
	// A sign-up with a password shares the bucket; an anonymous sign-in
	// has its own budget (TestAnonymousSignInBudgets); other calls are not
	// limited.
	wantErr(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "newbie", "password": "secret-1"}), 429, 9041)
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": "x"}), http.StatusCreated)
	wantOK(t, e.do("GET", "/status", nil, nil), http.StatusOK)
	// The bucket refills.
	eventually(t, func() error {
		if r := e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "newbie", "password": "secret-1"}); r.status != http.StatusCreated {
			return fmt.Errorf("status %d", r.status)
		}
		return nil
	})
}

func TestLimiterBounded(t *testing.T) {
	l := gizapp.NewLimiter(1, 2, 100)
	now := time.Unix(1_700_000_000, 0)
	if !l.AllowAt("a", now) || !l.AllowAt("a", now) || l.AllowAt("a", now) {
		t.Fatal("burst of 2 not enforced")
	}
	if !l.AllowAt("a", now.Add(time.Second)) {
		t.Fatal("no refill after a second")
	}
	// A flood of new keys never grows the map past its bound.
	for i := range 1000 {
		l.AllowAt(fmt.Sprint("k", i), now.Add(2*time.Second))
		if l.Size() > 100 {
			t.Fatalf("size %d after %d keys", l.Size(), i)
		}
	}
	// Drained buckets survive a sweep when refilled ones can go instead.
	l = gizapp.NewLimiter(1, 2, 4)
	l.AllowAt("busy", now)
	l.AllowAt("busy", now)
	for _, k := range []string{"x", "y", "z"} {
		l.AllowAt(k, now.Add(-10*time.Second))
	}
	l.AllowAt("new", now) // full: the refilled x, y, z are swept
	if l.Size() != 2 || l.AllowAt("busy", now) {
		t.Fatalf("size %d; busy bucket was reset", l.Size())
	}
}

// TestAnonymousSignInBudgets: the Gizwits JS SDK signs in anonymously on
// every page load, so a site behind one address must get through a burst
// of page loads, while one install (phone_id) hammering is throttled on
// its own without spending the address's budget for the others.
func TestAnonymousSignInBudgets(t *testing.T) {
	e := start(t)
	for i := range 100 {
		r := e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": fmt.Sprintf("install-%d", i)})
		if r.status != http.StatusCreated {
			t.Fatalf("page load %d from one address: status %d %s", i, r.status, r.body)
		}
	}
	e2 := start(t)
	throttled := 0
	for range 30 {
		r := e2.do("POST", "/app/users", e2.appHdr(), map[string]any{"phone_id": "one-install"})
		if r.status == http.StatusTooManyRequests {
			wantErr(t, r, 429, 9041)
			throttled++
		}
	}
	if throttled < 15 {
		t.Fatalf("one phone_id 30 times: %d throttled, want at least 15 (burst 10)", throttled)
	}
	// Another install from the same address is not held back by it.
	wantOK(t, e2.do("POST", "/app/users", e2.appHdr(), map[string]any{"phone_id": "another-install"}), http.StatusCreated)
}

// TestForwardedAddressTrustedOnlyFromProxies: the login budget is per
// client address. Through a trusted proxy (loopback here) two clients named
// by X-Forwarded-For get a budget each; from a peer that is not trusted, a
// forged X-Forwarded-For does not escape the peer's budget.
func TestForwardedAddressTrustedOnlyFromProxies(t *testing.T) {
	exhaust := func(e *env, xff string) {
		t.Helper()
		for i := 0; ; i++ {
			r := e.do("POST", "/app/login", hdr{"X-Forwarded-For": xff}, map[string]any{"username": "a", "password": "b"})
			if r.status == http.StatusTooManyRequests {
				return
			}
			if i > 50 {
				t.Fatalf("%s: never throttled", xff)
			}
		}
	}
	trusted, _ := clientaddr.ParseTrusted("127.0.0.0/8, ::1")
	behind := start(t, withConfig(func(c *server.Config) { c.TrustedProxies = trusted }))
	exhaust(behind, "198.51.100.1")
	wantErr(t, behind.do("POST", "/app/login", hdr{"X-Forwarded-For": "198.51.100.2"}, map[string]any{"username": "a", "password": "b"}), 400, 9003)

	direct := start(t)
	exhaust(direct, "198.51.100.1")
	wantErr(t, direct.do("POST", "/app/login", hdr{"X-Forwarded-For": "198.51.100.2"}, map[string]any{"username": "a", "password": "b"}), 429, 9041)
}
