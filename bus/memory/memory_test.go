package memory_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/bustest"
	"github.com/switchboard-iot/switchboard/bus/memory"
)

func TestContract(t *testing.T) {
	bustest.Run(t, func(*testing.T) bus.Bus { return memory.New(memory.Options{}) })
}

// TestContractTinyQueue runs the suite with the smallest queue that the
// suite's pacing allows, to shake out bugs in the ring buffer's wrap-around.
func TestContractTinyQueue(t *testing.T) {
	bustest.Run(t, func(*testing.T) bus.Bus { return memory.New(memory.Options{QueueLen: 2000}) })
}

// blocked subscribes a handler to subject that records each message and
// blocks on the first until release is closed. It returns once the handler
// is blocked, so every later message has to queue.
func blocked(t *testing.T, b *memory.Bus, subject string) (got func() []string, release func()) {
	t.Helper()
	var (
		mu      sync.Mutex
		msgs    []string
		started = make(chan struct{})
		gate    = make(chan struct{})
	)
	if _, err := b.Subscribe(subject, func(_ string, data []byte) {
		mu.Lock()
		msgs = append(msgs, string(data))
		first := len(msgs) == 1
		mu.Unlock()
		if first {
			close(started)
			<-gate
		}
	}); err != nil {
		t.Fatal(err)
	}
	publish(t, b, subject, "0")
	<-started
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(msgs) }, release
}

// TestQueueLen: with the handler busy, exactly QueueLen messages wait and
// the rest are dropped, counted, and reported to OnDrop; the queued ones are
// then delivered in order.
func TestQueueLen(t *testing.T) {
	var drops []string
	var mu sync.Mutex
	b := newBus(t, memory.Options{QueueLen: 4, OnDrop: func(subject string) {
		mu.Lock()
		drops = append(drops, subject)
		mu.Unlock()
	}})

	got, release := blocked(t, b, "q")
	for _, s := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		publish(t, b, "q", s)
	}
	if n := b.Dropped(); n != 3 {
		t.Errorf("Dropped() = %d, want 3", n)
	}
	mu.Lock()
	if want := []string{"q", "q", "q"}; !slices.Equal(drops, want) {
		t.Errorf("OnDrop got %v, want %v", drops, want)
	}
	mu.Unlock()

	release()
	want := []string{"0", "1", "2", "3", "4"}
	waitUntil(t, func() bool { return len(got()) == len(want) })
	if !slices.Equal(got(), want) {
		t.Errorf("delivered %v, want %v", got(), want)
	}
}

// TestDropIsPerSubscription: a full queue costs only its own subscription.
func TestDropIsPerSubscription(t *testing.T) {
	b := newBus(t, memory.Options{QueueLen: 1})
	blocked(t, b, "d") // holds "0" in the handler
	var fast atomic.Int32
	if _, err := b.Subscribe("d", func(string, []byte) { fast.Add(1) }); err != nil {
		t.Fatal(err)
	}
	publish(t, b, "d", "1") // queued for the blocked subscription
	waitUntil(t, func() bool { return fast.Load() == 1 })
	publish(t, b, "d", "2") // dropped by the blocked one only
	waitUntil(t, func() bool { return fast.Load() == 2 })
	if n := b.Dropped(); n != 1 {
		t.Errorf("Dropped() = %d, want 1", n)
	}
}

// TestUnsubscribeWaitsForHandler: Unsubscribe from another goroutine returns
// only after the running handler call has.
func TestUnsubscribeWaitsForHandler(t *testing.T) {
	b := newBus(t, memory.Options{})
	started, gate := make(chan struct{}), make(chan struct{})
	var returned atomic.Bool
	var sawReturned atomic.Bool
	sub, err := b.Subscribe("w", func(string, []byte) {
		close(started)
		<-gate
		sawReturned.Store(returned.Load())
	})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b, "w", "x")
	<-started
	done := make(chan struct{})
	go func() {
		sub.Unsubscribe()
		returned.Store(true)
		close(done)
	}()
	// A bounded check for something that must not happen: if Unsubscribe
	// did not wait it would return within microseconds.
	select {
	case <-done:
		t.Fatal("Unsubscribe returned while the handler was still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	<-done
	if sawReturned.Load() {
		t.Error("handler finished after Unsubscribe returned")
	}
}

// TestCloseFromHandler: a handler may close the whole bus without
// deadlocking on itself.
func TestCloseFromHandler(t *testing.T) {
	b := memory.New(memory.Options{})
	closed := make(chan error, 1)
	if _, err := b.Subscribe("c", func(string, []byte) { closed <- b.Close() }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe("other", func(string, []byte) {}); err != nil {
		t.Fatal(err)
	}
	publish(t, b, "c", "x")
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close from a handler deadlocked")
	}
	if err := b.Publish(context.Background(), "c", nil); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
}

// TestPublishCanceledContext: a done context is reported, not ignored, so a
// caller shutting down learns its message went nowhere.
func TestPublishCanceledContext(t *testing.T) {
	b := newBus(t, memory.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Publish(ctx, "a", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with canceled context = %v, want context.Canceled", err)
	}
}

// TestWhitespaceRejected: NATS's protocol splits on whitespace, so such
// subjects are refused here too rather than working only in-process.
func TestWhitespaceRejected(t *testing.T) {
	b := newBus(t, memory.Options{})
	for _, s := range []string{"a b", "a\tb", "a.b\n", " a"} {
		if err := b.Publish(context.Background(), s, nil); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Publish(%q) = %v, want ErrBadSubject", s, err)
		}
		if _, err := b.Subscribe(s, func(string, []byte) {}); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Subscribe(%q) = %v, want ErrBadSubject", s, err)
		}
	}
}

// newBus returns a bus closed at the end of the test. It uses t.Cleanup, not
// defer, so that it runs after cleanups registered later, such as releasing a
// blocked handler that Close would otherwise wait for.
func newBus(t *testing.T, opts memory.Options) *memory.Bus {
	t.Helper()
	b := memory.New(opts)
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func publish(t *testing.T, b *memory.Bus, subject, data string) {
	t.Helper()
	if err := b.Publish(context.Background(), subject, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
