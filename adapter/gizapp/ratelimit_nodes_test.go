package gizapp_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// twoNodes starts two nodes on st, serving one application.
func twoNodes(t *testing.T, st store.Store) (a, b *env) {
	t.Helper()
	shared := withConfig(func(c *server.Config) { c.Store = st })
	a = start(t, shared)
	b = &env{t: t, srv: testserver.Start(t, shared), app: a.app, product: a.product, schema: a.schema}
	return a, b
}

// spend sends n requests alternately to a and b and counts those not
// throttled; every other answer must be want (or a throttle, 429 9041).
func spend(t *testing.T, a, b *env, n int, req func(e *env, i int) reply, want int) (allowed int, throttledOn map[*env]bool) {
	t.Helper()
	throttledOn = map[*env]bool{}
	for i := range n {
		e := a
		if i%2 == 1 {
			e = b
		}
		r := req(e, i)
		if r.status == http.StatusTooManyRequests {
			wantErr(t, r, 429, 9041)
			throttledOn[e] = true
			continue
		}
		if r.status != want {
			t.Fatalf("request %d: status %d, want %d or 429: %s", i, r.status, want, r.body)
		}
		allowed++
	}
	return allowed, throttledOn
}

// TestLoginBudgetSharedByNodes: password logins spread over two nodes
// sharing a store spend one budget (burst 10, 5/s per address), not one
// per node: at most the burst plus what refilled while the test ran gets
// through, and both nodes refuse once it is spent.
func TestLoginBudgetSharedByNodes(t *testing.T) {
	for name, open := range testserver.SharedStores {
		t.Run(name, func(t *testing.T) {
			a, b := twoNodes(t, open(t))
			begin := time.Now()
			// Without an appid each login is refused cheaply (9003) after
			// the limit, so only the limit decides what is throttled.
			allowed, on := spend(t, a, b, 40, func(e *env, _ int) reply {
				return e.do("POST", "/app/login", nil, map[string]any{"username": "a", "password": "b"})
			}, http.StatusBadRequest)
			refilled := int(time.Since(begin).Seconds()*5) + 1
			if allowed < 10 || allowed > 10+refilled {
				t.Fatalf("%d of 40 logins over two nodes got through; want the shared burst, 10, plus at most %d refilled", allowed, refilled)
			}
			if !on[a] || !on[b] {
				t.Fatalf("throttled on node a: %v, on node b: %v; want both", on[a], on[b])
			}
		})
	}
}

// TestPhoneIDBudgetSharedByNodes: one install's anonymous sign-ins spread
// over two nodes spend one budget (burst 10, one every 6 s), while another
// install is not held back.
func TestPhoneIDBudgetSharedByNodes(t *testing.T) {
	for name, open := range testserver.SharedStores {
		t.Run(name, func(t *testing.T) {
			a, b := twoNodes(t, open(t))
			begin := time.Now()
			allowed, on := spend(t, a, b, 30, func(e *env, _ int) reply {
				return e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": "one-install"})
			}, http.StatusCreated)
			refilled := int(time.Since(begin)/(6*time.Second)) + 1
			if allowed < 10 || allowed > 10+refilled {
				t.Fatalf("%d of 30 sign-ins of one install over two nodes got through; want 10 plus at most %d refilled", allowed, refilled)
			}
			if !on[a] || !on[b] {
				t.Fatalf("throttled on node a: %v, on node b: %v; want both", on[a], on[b])
			}
			wantOK(t, b.do("POST", "/app/users", b.appHdr(), map[string]any{"phone_id": "another-install"}), http.StatusCreated)
		})
	}
}

// failingLimits is a store whose rate-limit buckets fail, as a store that
// is unreachable does.
type failingLimits struct{ *sqlite.Store }

func (failingLimits) TakeToken(context.Context, store.Bucket, string, time.Time) (bool, time.Time, error) {
	return false, time.Time{}, errors.New("the buckets are unreachable")
}

// TestLoginBudgetWhenStoreFails: when the store cannot take a token, the
// node's own budget decides (docs/decisions.md): logins are neither all
// refused nor unlimited.
func TestLoginBudgetWhenStoreFails(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := start(t, withConfig(func(c *server.Config) { c.Store = failingLimits{st} }))
	begin := time.Now()
	allowed, _ := spend(t, e, e, 40, func(e *env, _ int) reply {
		return e.do("POST", "/app/login", nil, map[string]any{"username": "a", "password": "b"})
	}, http.StatusBadRequest)
	refilled := int(time.Since(begin).Seconds()*5) + 1
	if allowed < 10 || allowed > 10+refilled {
		t.Fatalf("%d of 40 logins got through with the store failing; want the node's burst, 10, plus at most %d", allowed, refilled)
	}
}

// countingLimits counts the takes that reach the store.
type countingLimits struct {
	*sqlite.Store
	takes *atomic.Int64
}

func (c countingLimits) TakeToken(ctx context.Context, b store.Bucket, key string, now time.Time) (bool, time.Time, error) {
	c.takes.Add(1)
	return c.Store.TakeToken(ctx, b, key, now)
}

// TestRefusedKeyNotAskedAgain: once the store refused an address, the node
// refuses it without asking the store again until a token is due, so a
// client hammering a node costs the store little more than its budget.
func TestRefusedKeyNotAskedAgain(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var takes atomic.Int64
	e := start(t, withConfig(func(c *server.Config) { c.Store = countingLimits{st, &takes} }))
	begin := time.Now()
	allowed, _ := spend(t, e, e, 60, func(e *env, _ int) reply {
		return e.do("POST", "/app/login", nil, map[string]any{"username": "a", "password": "b"})
	}, http.StatusBadRequest)
	// Each refill interval (200 ms) lets one refusal through to the store.
	intervals := int64(time.Since(begin)/(200*time.Millisecond)) + 1
	if n := takes.Load(); n > int64(allowed)+intervals {
		t.Fatalf("60 logins (%d allowed) asked the store %d times; want at most %d", allowed, n, int64(allowed)+intervals)
	}
}
