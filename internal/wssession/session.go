package wssession

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/metrics"
)

// Session is the part of a connection both adapters share: its queue, its
// writer, and how it closes. The adapter's reader runs on the HTTP
// handler's goroutine and its writer on another (WriteLoop); anything may
// call Send and Close.
type Session struct {
	conn         *websocket.Conn
	q            *Queue
	writeTimeout time.Duration
	metrics      metrics.Adapter

	ctx    context.Context // ends on an abrupt close or Cancel
	cancel context.CancelFunc

	closing   chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
	why       Reason // set before closing is closed

	done chan struct{} // closed once the writer has finished the connection

	// The on-demand writer's state (ondemand.go).
	onDemand atomic.Bool
	loop     Loop
	work     atomic.Int64 // kicks since the running drain began; 0: none runs
	tmu      sync.Mutex
	timer    *time.Timer // the Loop.Deadline timer; nil once finished

	// The queue writer's timeout (writeAll): one timer, reset per frame.
	wtimer   *time.Timer
	timedOut atomic.Bool

	cork *CorkConn // nil: every frame is written at once (SetCork)
}

// New returns the session of conn writing from q; its Context derives
// from parent. Each write may take writeTimeout; m counts writes (Out)
// and sessions closed for a full queue (QueueDrops).
func New(parent context.Context, conn *websocket.Conn, q *Queue, writeTimeout time.Duration, m metrics.Adapter) *Session {
	s := &Session{conn: conn, q: q, writeTimeout: writeTimeout, metrics: m, closing: make(chan struct{}), done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(parent)
	if parent.Done() != nil {
		// A parent that ends (the server's base context) ends a write in
		// progress; an abrupt Close does that itself (Close).
		context.AfterFunc(s.ctx, func() { s.conn.CloseNow() })
	}
	return s
}

// SetCork gives the on-demand writer the connection under conn's
// buffers, so that frames queued together leave together (CorkConn).
// Call it before Start.
func (s *Session) SetCork(c *CorkConn) { s.cork = c }

// Send queues a control frame without waiting. A full queue means the
// client does not keep up: the session is closed (QueueFull, counted)
// instead of blocking the caller. False when b was not queued.
func (s *Session) Send(b []byte) bool {
	if s.q.Push(b) {
		return true
	}
	if !s.closed.Load() {
		s.metrics.QueueDrops.Inc()
		s.Close(QueueFull)
	}
	return false
}

// Offer queues a message of pair (Queue.Offer).
func (s *Session) Offer(pair string, b []byte) (OfferResult, <-chan struct{}) {
	return s.q.Offer(pair, b)
}

// Close asks the writer to end the session; the first reason wins. An
// abrupt reason also cancels Context, interrupting a write in progress.
func (s *Session) Close(r Reason) {
	s.closeOnce.Do(func() {
		s.why = r
		s.closed.Store(true)
		s.q.Close()
		if r.Abrupt {
			s.cancel()
			// Ends a write blocked on a client that does not read; the
			// writer arms nothing per frame for it (writeAll).
			if s.cork != nil {
				s.cork.Abandon()
			}
			s.conn.CloseNow()
		}
		close(s.closing)
		if s.onDemand.Load() {
			s.kick() // a writer must finish the connection
		}
	})
}

// Done is closed once the writer has finished the connection (WriteLoop
// returned, or Start's writer ended it).
func (s *Session) Done() <-chan struct{} { return s.done }

// Closing is closed once Close was called.
func (s *Session) Closing() <-chan struct{} { return s.closing }

// Closed reports whether Close was called.
func (s *Session) Closed() bool { return s.closed.Load() }

// Reason is the first reason given to Close; read it after Closing.
func (s *Session) Reason() Reason { return s.why }

// Context ends when the session is dropped abruptly or Cancel is called
// (the adapter's teardown): requests the session started stop with it.
func (s *Session) Context() context.Context { return s.ctx }

// Cancel ends Context.
func (s *Session) Cancel() { s.cancel() }

// Conn is the connection, for the reader.
func (s *Session) Conn() *websocket.Conn { return s.conn }

// Write sends one text frame, bounded by the write timeout and ctx.
func (s *Session) Write(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.writeTimeout)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return err
	}
	s.metrics.Out.Inc()
	return nil
}

// Loop is what an adapter's writer does besides writing.
type Loop struct {
	// Batch is how many frames the writer takes per turn (0: all queued).
	Batch int
	// Deadline, when set, is when OnDeadline is next due (zero: none);
	// Poke says it moved. A deadline that is due again at once is retried
	// after 100 ms, not in a busy loop.
	Deadline   func() time.Time
	OnDeadline func()
	Poke       <-chan struct{}
	// WriteFailed describes a failed write; the session is then dropped
	// abruptly with that reason. Nil: "write failed: <err>".
	WriteFailed func(err error) Reason
}

// WriteLoop sends what is queued until the session closes, then finishes
// it: abruptly, or after sending what is still queued (within a second)
// and a close frame with the reason's code and text. Run it on its own
// goroutine, once.
func (s *Session) WriteLoop(l Loop) {
	timer := time.NewTimer(0)
	if !timer.Stop() {
		<-timer.C
	}
	arm := func(min time.Duration) {
		if l.Deadline == nil {
			return
		}
		if d := l.Deadline(); !d.IsZero() {
			timer.Reset(max(time.Until(d), min))
		}
	}
	arm(0)
	defer timer.Stop()
	defer close(s.done)
	wake := s.q.wakeChan()
	var batch []Item
	for {
		select {
		case <-wake:
			batch = s.q.Take(batch[:0], l.Batch)
			if !s.writeAll(batch, l) {
				return
			}
		case <-l.Poke:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
			arm(0)
		case <-timer.C:
			l.OnDeadline()
			arm(100 * time.Millisecond)
		case <-s.closing:
			s.finish()
			return
		}
	}
}

// writeAll writes batch in order; on a failed write it drops the session
// abruptly and returns false. It bounds each frame by the write timeout
// with one reusable timer and hands the library a context that cannot
// end, because coder/websocket sets up a context.AfterFunc per Write for
// a context that can (and Session.Write adds a timer and a context): that
// was about a tenth of the allocations per delivered message. The timer
// and an abrupt Close both close the connection, which ends a blocked
// write as a cancelled context did.
func (s *Session) writeAll(batch []Item, l Loop) bool {
	for _, it := range batch {
		err := s.timed(func() error { return s.conn.Write(context.Background(), websocket.MessageText, it.B) })
		if err != nil {
			s.writeFailed(err, l)
			return false
		}
		s.metrics.Out.Inc()
	}
	return true
}

// uncork sends the frames held back since the drain corked the
// connection, within the write timeout; false (the session dropped) when
// that fails.
func (s *Session) uncork() bool {
	if s.cork == nil {
		return true
	}
	if err := s.timed(s.cork.Uncork); err != nil {
		s.writeFailed(err, s.loop)
		return false
	}
	return true
}

// writeFailed drops the session abruptly for a failed write.
func (s *Session) writeFailed(err error, l Loop) {
	r := Reason{Why: "write failed: " + err.Error()}
	if l.WriteFailed != nil {
		r = l.WriteFailed(err)
	}
	r.Abrupt = true
	s.Close(r)
	s.conn.CloseNow()
	if s.cork != nil {
		_ = s.cork.Uncork() // gives the buffer back; the connection is closed
	}
}

// timed runs write within the write timeout; a write that does not finish
// in time closes the connection and fails with context.DeadlineExceeded,
// as Write would. Only the writer calls it.
func (s *Session) timed(write func() error) error {
	if s.wtimer == nil {
		s.wtimer = time.AfterFunc(s.writeTimeout, s.writeTimedOut)
	} else {
		s.wtimer.Reset(s.writeTimeout)
	}
	err := write()
	if !s.wtimer.Stop() || s.timedOut.Load() {
		return fmt.Errorf("write timed out: %w", context.DeadlineExceeded)
	}
	return err
}

func (s *Session) writeTimedOut() {
	s.timedOut.Store(true)
	s.conn.CloseNow()
}

// finish ends the connection as Close asked.
func (s *Session) finish() {
	r := s.why
	if s.cork != nil && s.timed(s.cork.Uncork) != nil {
		r.Abrupt = true
	}
	if r.Abrupt {
		s.conn.CloseNow()
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, time.Second)
	defer cancel()
	for _, it := range s.q.Take(nil, 0) {
		if s.Write(ctx, it.B) != nil {
			s.conn.CloseNow()
			return
		}
	}
	s.conn.Close(r.Code, r.Why)
}
