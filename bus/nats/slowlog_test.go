package nats_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	busnats "github.com/switchboard-iot/switchboard/bus/nats"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
)

// TestSlowConsumerLogBounded: a subscription that falls behind twice is
// warned about once (the second time falls within the rate limit), with the
// pattern, while both episodes are counted.
func TestSlowConsumerLogBounded(t *testing.T) {
	srv := natstest.Start(t)
	var logs syncBuffer
	b, err := busnats.Connect(busnats.Options{
		URL: srv.URL(), PendingMsgs: 100,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })

	var gate sync.RWMutex // held by the test: the handler waits
	var mu sync.Mutex
	var seen []string
	subscribe(t, b, "slow", func(_ string, data []byte) {
		gate.RLock()
		gate.RUnlock()
		mu.Lock()
		seen = append(seen, string(data))
		mu.Unlock()
	})
	saw := func(m string) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range seen {
			if s == m {
				return true
			}
		}
		return false
	}

	for episode := range uint64(2) {
		gate.Lock()
		before := b.Dropped()
		for i := range 1000 {
			publish(t, b, "slow", fmt.Sprint(i))
		}
		eventually(t, "drops", func() bool { return b.Dropped() > before })
		gate.Unlock()
		// A message taken after the flood ends the episode.
		marker := fmt.Sprint("caught up ", episode)
		eventually(t, "the subscriber to catch up", func() bool {
			publish(t, b, "slow", marker)
			return saw(marker)
		})
		eventually(t, "the slow consumer report", func() bool { return b.SlowEpisodes() > episode })
	}

	out := logs.String()
	if n := strings.Count(out, "cannot keep up"); n != 1 {
		t.Errorf("%d slow-consumer warnings for 2 episodes within seconds, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "pattern=slow") {
		t.Errorf("warning does not name the pattern:\n%s", out)
	}
}
