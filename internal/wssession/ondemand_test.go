package wssession_test

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/metrics"
)

// drains counts the goroutines running an on-demand writer.
func drains() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("wssession.(*Session).drain("))
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("not within 5 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Start's writer runs only while frames are queued: once they are sent it
// ends, and the next frame starts another one.
func TestStartHoldsNoWriterWhileIdle(t *testing.T) {
	sess := make(chan *wssession.Session, 1)
	c := serve(t, writers[1].run, 8, metrics.New().Adapter("t"), func(s *wssession.Session) wssession.Loop {
		sess <- s
		return wssession.Loop{Batch: 1}
	})
	s := <-sess
	for round, frames := range [][]string{{"a", "b", "c"}, {"d"}} {
		for _, f := range frames {
			if !s.Send([]byte(f)) {
				t.Fatalf("round %d: send %q refused", round, f)
			}
		}
		for _, want := range frames {
			if got, err := read(t, c); err != nil || got != want {
				t.Fatalf("round %d: read = %q, %v; want %q", round, got, err, want)
			}
		}
		eventually(t, "the writer ends once the queue is empty", func() bool { return drains() == 0 })
	}
}

// The deadline is a timer: Rearm makes it take a deadline the reader moved
// (here from an hour away to now), and OnDeadline runs with no writer.
func TestRearmMovesTheDeadline(t *testing.T) {
	var by atomic.Int64
	by.Store(time.Now().Add(time.Hour).UnixNano())
	sess := make(chan *wssession.Session, 1)
	c := serve(t, writers[1].run, 8, metrics.New().Adapter("t"), func(s *wssession.Session) wssession.Loop {
		sess <- s
		return wssession.Loop{
			Deadline:   func() time.Time { return time.Unix(0, by.Load()) },
			OnDeadline: func() { s.Close(wssession.Reason{Code: 4408, Why: "moved deadline"}) },
		}
	})
	s := <-sess
	by.Store(time.Now().UnixNano())
	s.Rearm()
	_, err := read(t, c)
	if code, reason := closeOf(err); code != 4408 || reason != "moved deadline" {
		t.Fatalf("end = %v, want close 4408", err)
	}
}

func closeOf(err error) (int, string) {
	var ce websocket.CloseError
	if !asClose(err, &ce) {
		return -1, ""
	}
	return int(ce.Code), ce.Reason
}
