package nats_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	busnats "github.com/switchboard-iot/switchboard/bus/nats"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
)

// TestUnsubscribeAcrossNodes: beyond the contract's check that the handler
// is no longer called, node b withdraws its interest from the server, so the
// traffic stops crossing the network too.
func TestUnsubscribeAcrossNodes(t *testing.T) {
	srv := natstest.Start(t)
	a, b := connect(t, srv.URL(), "a"), connect(t, srv.URL(), "b")
	var calls atomic.Int32
	var gone atomic.Bool
	var late atomic.Bool
	sub := subscribe(t, b, "sb.dev.d1.down", func(string, []byte) {
		if gone.Load() {
			late.Store(true)
		}
		calls.Add(1)
	})
	var fence inbox
	subscribe(t, b, "sb.dev.d2.down", fence.handle)

	publish(t, a, "sb.dev.d1.down", "before")
	eventually(t, "delivery before Unsubscribe", func() bool { return calls.Load() == 1 })
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	gone.Store(true)
	eventually(t, "node b's interest in sb.dev.d1.down to leave the server", func() bool {
		subs := connSubs(t, srv, "b")
		return len(subs) == 1 && subs[0] == "sb.dev.d2.down"
	})
	publish(t, a, "sb.dev.d1.down", "after")
	publish(t, a, "sb.dev.d2.down", "fence")
	eventually(t, "the fence", func() bool { return fence.has("sb.dev.d2.down fence") })
	if late.Load() || calls.Load() != 1 {
		t.Errorf("handler called %d times, want 1: delivery continued after Unsubscribe", calls.Load())
	}
}

// TestOnlySubscribedSubjectsReachNode: the server sends a node only the
// messages it subscribed to. Node a watches device a, node b device b, and a
// third node publishes for devices a, b and c; the server's own per-client
// counters show each node got its device's messages and nothing else.
func TestOnlySubscribedSubjectsReachNode(t *testing.T) {
	srv := natstest.Start(t)
	a, b, pub := connect(t, srv.URL(), "a"), connect(t, srv.URL(), "b"), connect(t, srv.URL(), "pub")
	var onA, onB inbox
	subscribe(t, a, "sb.dev.da.>", onA.handle)
	subscribe(t, b, "sb.dev.db.>", onB.handle)

	const each = 50
	for i := range each {
		for _, did := range []string{"da", "db", "dc"} {
			publish(t, pub, "sb.dev."+did+".data", fmt.Sprint(i))
		}
	}
	publish(t, pub, "sb.dev.da.status", "fence")
	publish(t, pub, "sb.dev.db.status", "fence")
	eventually(t, "the fences", func() bool {
		return onA.has("sb.dev.da.status fence") && onB.has("sb.dev.db.status fence")
	})

	for name, in := range map[string]*inbox{"a": &onA, "b": &onB} {
		prefix := "sb.dev.d" + name + "."
		got := in.all()
		if len(got) != each+1 {
			t.Errorf("node %s handled %d messages, want %d", name, len(got), each+1)
		}
		for _, m := range got {
			if !strings.HasPrefix(m, prefix) {
				t.Errorf("node %s handled %q, which it did not subscribe to", name, m)
			}
		}
		if out := connInfo(t, srv, name).OutMsgs; out != each+1 {
			t.Errorf("server sent node %s %d messages, want %d (its device's only)", name, out, each+1)
		}
	}
	if out := connInfo(t, srv, "pub").OutMsgs; out != 0 {
		t.Errorf("server sent the publisher, which subscribed to nothing, %d messages", out)
	}
}

// TestServerRestart: when the NATS server goes away and comes back on the
// same address, both nodes reconnect by themselves, renew their
// subscriptions, and delivery resumes; the outage and the recovery are
// logged.
func TestServerRestart(t *testing.T) {
	srv := natstest.Start(t)
	var logs syncBuffer
	a := connect(t, srv.URL(), "a")
	b, err := busnats.Connect(busnats.Options{
		URL: srv.URL(), Name: "b", ReconnectWait: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	var onB inbox
	subscribe(t, b, "sb.dev.d1.data", onB.handle)
	publish(t, a, "sb.dev.d1.data", "before")
	eventually(t, "delivery before the restart", func() bool { return onB.has("sb.dev.d1.data before") })

	srv.Shutdown()
	eventually(t, "node b to log the disconnect", func() bool {
		return strings.Contains(logs.String(), "bus disconnected from NATS")
	})
	srv.Restart()

	// Until both nodes are back and b's subscription is renewed, a publish
	// may be lost (fire and forget), so keep publishing until one arrives.
	n := 0
	eventually(t, "delivery after the restart", func() bool {
		n++
		if err := a.Publish(t.Context(), "sb.dev.d1.data", fmt.Appendf(nil, "after-%d", n)); err != nil {
			t.Fatalf("Publish during reconnect: %v", err)
		}
		for _, m := range onB.all() {
			if strings.HasPrefix(m, "sb.dev.d1.data after-") {
				return true
			}
		}
		return false
	})
	if !strings.Contains(logs.String(), "bus reconnected to NATS") {
		t.Errorf("reconnect not logged; log:\n%s", logs.String())
	}
}

// TestConnectUnreachable: a server that cannot be reached at start is an
// error at once, rather than a node that silently runs without a bus.
func TestConnectUnreachable(t *testing.T) {
	srv := natstest.Start(t)
	url := srv.URL()
	srv.Shutdown()
	b, err := busnats.Connect(busnats.Options{URL: url})
	if err == nil {
		_ = b.Close()
		t.Fatal("Connect to a stopped server succeeded")
	}
}

// connInfo is the server's view of the connection the bus named name made.
func connInfo(t *testing.T, srv *natstest.Server, name string) *server.ConnInfo {
	t.Helper()
	cz, err := srv.Server().Connz(&server.ConnzOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cz.Conns {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no connection named %q on the server", name)
	return nil
}

func connSubs(t *testing.T, srv *natstest.Server, name string) []string {
	t.Helper()
	return connInfo(t, srv, name).Subs
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines and the
// test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
