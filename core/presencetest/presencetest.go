// Package presencetest is the contract suite every core.Presence must
// pass: Run for what one node sees of its own sessions, RunNodes for
// implementations that nodes share (each node's sessions are counted by
// every node, after the implementation's propagation delay).
package presencetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

// Run checks one node's presence: counts follow Add and Remove at once,
// repeating either is harmless, devices are counted apart, and concurrent
// sessions all count. open returns a fresh, empty presence.
func Run(t *testing.T, open func(t *testing.T) core.Presence) {
	t.Run("AddRemove", func(t *testing.T) {
		p := open(t)
		count(t, p, "d1", 0)
		must(t, p.Add("d1", "s1"))
		must(t, p.Add("d1", "s2"))
		must(t, p.Add("d1", "s1")) // twice: one session
		must(t, p.Add("d2", "s1")) // one session may watch several devices
		count(t, p, "d1", 2)
		count(t, p, "d2", 1)
		must(t, p.Remove("d1", "s1"))
		must(t, p.Remove("d1", "s1")) // absent: harmless
		must(t, p.Remove("d3", "s9"))
		count(t, p, "d1", 1)
		count(t, p, "d2", 1)
		count(t, p, "d3", 0)
		must(t, p.Remove("d1", "s2"))
		count(t, p, "d1", 0)
		must(t, p.Add("d1", "s2")) // back after removal
		count(t, p, "d1", 1)
	})
	t.Run("Concurrent", func(t *testing.T) {
		p := open(t)
		const sessions = 64
		var wg sync.WaitGroup
		for i := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := fmt.Sprintf("s%d", i)
				if err := p.Add("d1", s); err != nil {
					t.Error(err)
				}
				if i%2 == 0 {
					if err := p.Remove("d1", s); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		count(t, p, "d1", sessions/2)
	})
}

// RunNodes checks a presence shared by nodes: open returns the presence of
// two nodes sharing one store (fresh and empty), whose session ids are
// distinct as every adapter's are. Each node's sessions are counted by
// both, within wait.
func RunNodes(t *testing.T, wait time.Duration, open func(t *testing.T) (a, b core.Presence)) {
	t.Run("CountedEverywhere", func(t *testing.T) {
		a, b := open(t)
		must(t, a.Add("d1", "a1"))
		must(t, b.Add("d1", "b1"))
		must(t, b.Add("d1", "b2"))
		must(t, b.Add("d2", "b1"))
		eventually(t, wait, a, "d1", 3)
		eventually(t, wait, b, "d1", 3)
		eventually(t, wait, a, "d2", 1)
		must(t, b.Remove("d1", "b1"))
		must(t, a.Remove("d1", "a1"))
		eventually(t, wait, a, "d1", 1)
		eventually(t, wait, b, "d1", 1)
		must(t, b.Remove("d1", "b2"))
		must(t, b.Remove("d2", "b1"))
		eventually(t, wait, a, "d1", 0)
		eventually(t, wait, a, "d2", 0)
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, p core.Presence, did string, want int) {
	t.Helper()
	n, err := p.Count(did)
	if err != nil || n != want {
		t.Fatalf("Count(%s) = %d, %v; want %d", did, n, err, want)
	}
}

// eventually polls p's count of did until it is want, failing after wait.
func eventually(t *testing.T, wait time.Duration, p core.Presence, did string, want int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		n, err := p.Count(did)
		if err == nil && n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Count(%s) = %d, %v after %v; want %d", did, n, err, wait, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
