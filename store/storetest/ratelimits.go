package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// testRateLimits: a bucket gives its burst, then one token per interval;
// buckets are apart by name and key; a refusal names when a take succeeds
// again; concurrent takes never hand out more than the burst; pruning
// deletes full buckets only.
func testRateLimits(t *testing.T, open opener) {
	t.Parallel()
	login := store.Bucket{Name: "login", Every: 200 * time.Millisecond, Burst: 3}
	t0 := at(0).Truncate(time.Millisecond)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }

	type take struct {
		key     string
		at      int // ms after t0
		ok      bool
		retryAt int // ms after t0, when refused
	}
	check := func(t *testing.T, s Store, b store.Bucket, steps ...take) {
		t.Helper()
		for i, st := range steps {
			ok, retry, err := s.TakeToken(t.Context(), b, st.key, ms(st.at))
			if err != nil {
				t.Fatalf("step %d: TakeToken(%s, %q, +%dms): %v", i, b.Name, st.key, st.at, err)
			}
			if ok != st.ok {
				t.Fatalf("step %d: TakeToken(%s, %q, +%dms) = %v; want %v", i, b.Name, st.key, st.at, ok, st.ok)
			}
			if !ok && !retry.Equal(ms(st.retryAt)) {
				t.Fatalf("step %d: refused with retry at %v; want +%dms (%v)", i, retry, st.retryAt, ms(st.retryAt))
			}
		}
	}

	t.Run("BurstThenRate", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		check(t, s, login,
			take{"10.0.0.1", 0, true, 0}, take{"10.0.0.1", 0, true, 0}, take{"10.0.0.1", 0, true, 0},
			take{"10.0.0.1", 0, false, 200},
			take{"10.0.0.1", 199, false, 200}, // a refusal takes nothing
			take{"10.0.0.1", 200, true, 0},
			take{"10.0.0.1", 250, false, 400},
			take{"10.0.0.2", 250, true, 0}, // another key has its own bucket
			take{"10.0.0.1", 10_000, true, 0}, take{"10.0.0.1", 10_000, true, 0}, take{"10.0.0.1", 10_000, true, 0},
			take{"10.0.0.1", 10_000, false, 10_200}, // idle time refills up to the burst, no more
		)
		// The same key in another family is another bucket.
		check(t, s, store.Bucket{Name: "anon", Every: time.Second, Burst: 1},
			take{"10.0.0.1", 10_000, true, 0}, take{"10.0.0.1", 10_100, false, 11_000})
	})

	t.Run("ClockBehind", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		// A node whose clock is behind the one that spent the burst is
		// refused until the bucket refills by the store's reckoning.
		check(t, s, login,
			take{"k", 1000, true, 0}, take{"k", 1000, true, 0}, take{"k", 1000, true, 0},
			take{"k", 900, false, 1200})
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		b := store.Bucket{Name: "login", Every: time.Minute, Burst: 5}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			granted int
		)
		for range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := s.TakeToken(t.Context(), b, "203.0.113.9", t0)
				if err != nil {
					t.Errorf("TakeToken: %v", err)
				}
				if ok {
					mu.Lock()
					granted++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if granted != b.Burst {
			t.Fatalf("24 concurrent takes were granted %d tokens; want the burst, %d", granted, b.Burst)
		}
	})

	t.Run("Prune", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		check(t, s, login,
			take{"full-soon", 0, true, 0},
			take{"drained", 0, true, 0}, take{"drained", 0, true, 0}, take{"drained", 0, true, 0})
		// At +200ms "full-soon" is full again (its arrival time has come);
		// "drained" is not full until +600ms.
		if n, err := s.PruneRateLimits(t.Context(), ms(200)); err != nil || n != 1 {
			t.Fatalf("PruneRateLimits(+200ms) = %d, %v; want 1", n, err)
		}
		check(t, s, login, take{"drained", 199, false, 200})
		if n, err := s.PruneRateLimits(t.Context(), ms(600)); err != nil || n != 1 {
			t.Fatalf("PruneRateLimits(+600ms) = %d, %v; want 1", n, err)
		}
		if n, err := s.PruneRateLimits(t.Context(), ms(600)); err != nil || n != 0 {
			t.Fatalf("second PruneRateLimits(+600ms) = %d, %v; want 0", n, err)
		}
	})

	t.Run("BadBucket", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for _, b := range []store.Bucket{{Name: "x", Every: 0, Burst: 1}, {Name: "x", Every: time.Second}, {Every: time.Second, Burst: 1}} {
			if _, _, err := s.TakeToken(t.Context(), b, "k", t0); err == nil {
				t.Errorf("TakeToken with bucket %+v: no error", b)
			}
		}
	})
}
