package wssession_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/metrics"
)

// writers are the two ways to run a session's writer; the tests run both.
var writers = []struct {
	name string
	run  func(*wssession.Session, wssession.Loop)
}{
	{"WriteLoop", func(s *wssession.Session, l wssession.Loop) { s.WriteLoop(l) }},
	{"Start", func(s *wssession.Session, l wssession.Loop) { s.Start(l); <-s.Done() }},
}

// serve runs run(session) on every connection of a test server, then the
// session's writer (writer) until it ends, and returns a connected client.
func serve(t *testing.T, writer func(*wssession.Session, wssession.Loop), ctrlMax int, m metrics.Adapter, run func(*wssession.Session) wssession.Loop) *websocket.Conn {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		s := wssession.New(context.Background(), conn, wssession.NewQueue(ctrlMax, 1), 5*time.Second, m)
		conn.CloseRead(context.Background()) // the adapters' reader, here a discarding one
		writer(s, run(s))
	}))
	t.Cleanup(hs.Close)
	return dial(t, hs)
}

// dial is a client of hs, closed when the test ends.
func dial(t *testing.T, hs *httptest.Server) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func read(t *testing.T, c *websocket.Conn) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	return string(b), err
}

// A graceful close sends what was queued, then a close frame with the
// reason's code and text; the first reason wins.
func TestCloseSendsQueuedThenCloseFrame(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			c := serve(t, w.run, 8, metrics.New().Adapter("t"), func(s *wssession.Session) wssession.Loop {
				s.Send([]byte("one"))
				s.Send([]byte("two"))
				s.Close(wssession.Reason{Code: 4409, Why: "replaced"})
				s.Close(wssession.Shutdown)
				return wssession.Loop{}
			})
			for _, want := range []string{"one", "two"} {
				if got, err := read(t, c); err != nil || got != want {
					t.Fatalf("read = %q, %v; want %q", got, err, want)
				}
			}
			_, err := read(t, c)
			var ce websocket.CloseError
			if !asClose(err, &ce) || ce.Code != 4409 || ce.Reason != "replaced" {
				t.Fatalf("end = %v, want close 4409 replaced", err)
			}
		})
	}
}

// A producer that finds the queue full closes the session abruptly and
// counts the drop: the client gets no close frame.
func TestQueueFullDropsTheConnection(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			reg := metrics.New()
			m := reg.Adapter("t")
			refused := make(chan bool, 1)
			c := serve(t, w.run, 2, m, func(s *wssession.Session) wssession.Loop {
				s.Send([]byte("a"))
				s.Send([]byte("b"))
				refused <- !s.Send([]byte("c"))
				if s.Reason() != wssession.QueueFull {
					t.Errorf("reason = %+v, want QueueFull", s.Reason())
				}
				return wssession.Loop{}
			})
			if !<-refused {
				t.Fatal("a send over the limit was queued")
			}
			for {
				if _, err := read(t, c); err != nil {
					if code := websocket.CloseStatus(err); code != -1 {
						t.Fatalf("got close frame %d, want the connection dropped", code)
					}
					break
				}
			}
			if got := queueDrops(t, reg); got != 1 {
				t.Errorf("queue drops = %v, want 1", got)
			}
		})
	}
}

// The writer runs the adapter's deadline: here a hello that never comes.
func TestDeadlineCloses(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			c := serve(t, w.run, 8, metrics.New().Adapter("t"), func(s *wssession.Session) wssession.Loop {
				by := time.Now().Add(50 * time.Millisecond)
				return wssession.Loop{
					Deadline:   func() time.Time { return by },
					OnDeadline: func() { s.Close(wssession.Reason{Code: 4408, Why: "no hello in time"}) },
				}
			})
			_, err := read(t, c)
			var ce websocket.CloseError
			if !asClose(err, &ce) || ce.Code != 4408 || ce.Reason != "no hello in time" {
				t.Fatalf("end = %v, want close 4408", err)
			}
		})
	}
}

func asClose(err error, ce *websocket.CloseError) bool { return errors.As(err, ce) }

// queueDrops reads the adapter's queue drop counter from the registry.
func queueDrops(t *testing.T, reg *metrics.Metrics) float64 {
	t.Helper()
	fams, err := reg.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if !strings.Contains(f.GetName(), "queue_drops") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "adapter" && l.GetValue() == "t" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatal("no queue drop counter for adapter t")
	return 0
}
