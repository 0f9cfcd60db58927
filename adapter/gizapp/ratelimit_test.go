package gizapp_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
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
	// Sign-up shares the bucket; other calls are not limited.
	wantErr(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": "x"}), 429, 9041)
	wantOK(t, e.do("GET", "/status", nil, nil), http.StatusOK)
	// The bucket refills.
	eventually(t, func() error {
		if r := e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": "x"}); r.status != http.StatusCreated {
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
