package nats_test

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	busnats "github.com/switchboard-iot/switchboard/bus/nats"
)

// patience bounds every wait; a passing run never reaches it.
const patience = 15 * time.Second

// connect opens a bus on url that the test closes at its end. Reconnects are
// attempted every 20 ms so the restart test does not wait for the
// production default.
func connect(t testing.TB, url, name string) *busnats.Bus {
	t.Helper()
	b, err := busnats.Connect(busnats.Options{
		URL: url, Name: name, ReconnectWait: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("Connect(%s): %v", url, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// eventually polls cond every millisecond until it holds or patience runs
// out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", patience, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// inbox records what a subscription receives.
type inbox struct {
	mu   sync.Mutex
	msgs []string // "subject data"
}

func (in *inbox) handle(subject string, data []byte) {
	in.mu.Lock()
	in.msgs = append(in.msgs, subject+" "+string(data))
	in.mu.Unlock()
}

func (in *inbox) all() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.msgs...)
}

func (in *inbox) has(m string) bool {
	for _, got := range in.all() {
		if got == m {
			return true
		}
	}
	return false
}

func subscribe(t *testing.T, b bus.Bus, pattern string, h bus.Handler) bus.Subscription {
	t.Helper()
	s, err := b.Subscribe(pattern, h)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", pattern, err)
	}
	return s
}

func publish(t *testing.T, b bus.Bus, subject, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), subject, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", subject, err)
	}
}
