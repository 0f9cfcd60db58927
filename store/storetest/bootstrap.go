package storetest

import (
	"fmt"
	"sync"
	"testing"
)

// testBootstrap: the first claim of a name wins and every later or
// concurrent claim reads its value; a replace is a compare-and-set.
func testBootstrap(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	claim := func(name, value, want string, wantWon bool) {
		t.Helper()
		got, won, err := s.ClaimValue(ctx, name, value)
		if err != nil || got != want || won != wantWon {
			t.Fatalf("ClaimValue(%q, %q) = %q, %v, %v; want %q, %v", name, value, got, won, err, want, wantWon)
		}
	}
	claim("admin_token", "first", "first", true)
	claim("admin_token", "second", "first", false)
	claim("demo", "second", "second", true) // names are apart

	if ok, err := s.ReplaceValue(ctx, "admin_token", "second", "third"); err != nil || ok {
		t.Fatalf("ReplaceValue from a stale value = %v, %v; want false", ok, err)
	}
	if ok, err := s.ReplaceValue(ctx, "admin_token", "first", "third"); err != nil || !ok {
		t.Fatalf("ReplaceValue from the stored value = %v, %v; want true", ok, err)
	}
	claim("admin_token", "x", "third", false)
	if ok, err := s.ReplaceValue(ctx, "missing", "", "x"); err != nil || ok {
		t.Fatalf("ReplaceValue of a missing name = %v, %v; want false", ok, err)
	}

	// Many claims at once: one wins, all read its value.
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		winner string
		wins   int
		values = map[string]bool{}
	)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, won, err := s.ClaimValue(ctx, "race", fmt.Sprint("node-", i))
			if err != nil {
				t.Errorf("ClaimValue: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			values[got] = true
			if won {
				wins++
				winner = got
			}
		}()
	}
	wg.Wait()
	if wins != 1 || len(values) != 1 || !values[winner] {
		t.Fatalf("16 concurrent claims: %d won, values %v; want one winner whose value all read", wins, values)
	}
}
