package bustest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
)

// patience is how long to wait for something that should happen. It is far
// longer than anything needs on a loaded CI machine under -race; a passing
// run never waits for it.
const patience = 15 * time.Second

// poll calls cond every millisecond until it returns true or patience runs
// out, and reports whether it did. Unlike eventually it may be used from
// goroutines other than the test's.
func poll(cond func() bool) bool {
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			return cond()
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// eventually fails the test if cond does not become true in time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !poll(cond) {
		t.Fatalf("timed out after %v waiting for %s", patience, what)
	}
}

// receive waits for a value on ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		t.Fatalf("timed out after %v waiting for %s", patience, what)
		panic("unreachable")
	}
}

// msg is a delivery as a handler saw it, with data copied because handlers
// must not retain it.
type msg struct {
	subject, data string
}

// recorder is a handler that remembers everything it is given.
type recorder struct {
	mu   sync.Mutex
	msgs []msg
}

func (r *recorder) handle(subject string, data []byte) {
	r.mu.Lock()
	r.msgs = append(r.msgs, msg{subject, string(data)})
	r.mu.Unlock()
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

func (r *recorder) all() []msg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]msg(nil), r.msgs...)
}

// waitData waits until r has received a message with the given data.
func (r *recorder) waitData(t *testing.T, data string) {
	t.Helper()
	eventually(t, "message "+data, func() bool {
		for _, m := range r.all() {
			if m.data == data {
				return true
			}
		}
		return false
	})
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
	if err := b.Publish(context.Background(), subject, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", subject, err)
	}
}
