package interconnect

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/relay"
)

// session is one relay connection; it is the relay.Endpoint of its client
// once the hello succeeded.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	remote string
	q      *outQueue
	nonce  []byte

	// Set by the reader once the hello succeeded, read by others after
	// registered is true.
	role       string
	h          *relay.Handle
	registered atomic.Bool

	ctx    context.Context // ends when the session is torn down
	cancel context.CancelFunc

	closing   chan struct{}
	closeOnce sync.Once
	closeWhy  closeReason // set before closing is closed

	// peerClose is the close code the client sent (-1 if none); set by the
	// reader as it ends, read by teardown after it.
	peerClose websocket.StatusCode

	diagnoses atomic.Int32   // running diagnoses
	workers   sync.WaitGroup // diagnosis goroutines
}

// closeReason is how and why a session ends.
type closeReason struct {
	code   websocket.StatusCode
	why    string
	abrupt bool // drop the TCP connection without a close handshake
}

var (
	reasonQueueFull    = closeReason{websocket.StatusPolicyViolation, "send queue full", true}
	reasonShutdown     = closeReason{websocket.StatusGoingAway, "server shutting down", false}
	reasonHelloTimeout = closeReason{CloseHelloTimeout, "no hello in time", false}
)

func newSession(srv *Server, conn *websocket.Conn, remote string, nonce []byte) *session {
	s := &session{
		srv: srv, conn: conn, remote: remote, nonce: nonce,
		q:       newOutQueue(srv.limits.ControlQueueLen, srv.limits.PairQueueLen),
		closing: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(srv.baseCtx)
	return s
}

// send queues a control frame; a client that lets the queue fill is cut
// off rather than let it hold the relay's memory.
func (s *session) send(b []byte) {
	if !s.q.push(b) {
		select {
		case <-s.closing:
		default:
			s.srv.metrics.QueueDrops.Inc()
			s.close(reasonQueueFull)
		}
	}
}

// close asks the writer to end the session; the first reason wins.
func (s *session) close(r closeReason) {
	s.closeOnce.Do(func() {
		s.closeWhy = r
		s.q.close()
		if r.abrupt {
			s.cancel()
		}
		close(s.closing)
	})
}

// Event implements relay.Endpoint.
func (s *session) Event(e relay.Event) { s.send(renderEvent(e)) }

// Offer implements relay.Endpoint: relayed messages queue per source.
func (s *session) Offer(m relay.Message) (relay.Offer, <-chan struct{}) {
	return s.q.offer(m.From, render(messageFrame{Type: "message", Node: m.From, Data: m.Data}))
}

// Close implements relay.Endpoint.
func (s *session) Close(code int, reason string) {
	s.close(closeReason{code: websocket.StatusCode(code), why: reason})
}

// writeLoop sends what is queued until the session closes, and closes a
// session that does not say hello in time.
func (s *session) writeLoop() {
	hello := time.NewTimer(s.srv.limits.HelloTimeout)
	defer hello.Stop()
	var batch []item
	for {
		select {
		case <-s.q.wake:
			batch = s.q.take(batch[:0])
			for _, it := range batch {
				if err := s.write(it.b); err != nil {
					s.close(closeReason{why: "write failed: " + err.Error(), abrupt: true})
					s.conn.CloseNow()
					return
				}
			}
		case <-hello.C:
			if !s.registered.Load() {
				s.close(reasonHelloTimeout)
			}
		case <-s.closing:
			s.finish()
			return
		}
	}
}

func (s *session) write(b []byte) error {
	ctx, cancel := context.WithTimeout(s.ctx, s.srv.limits.WriteTimeout)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return err
	}
	s.srv.metrics.Out.Inc()
	return nil
}

// finish sends what is still queued (within a second) and a close frame,
// or drops the connection when the close was abrupt.
func (s *session) finish() {
	r := s.closeWhy
	if r.abrupt {
		s.conn.CloseNow()
		return
	}
	deadline := time.Now().Add(time.Second)
	for _, it := range s.q.take(nil) {
		if time.Now().After(deadline) || s.write(it.b) != nil {
			s.conn.CloseNow()
			return
		}
	}
	s.conn.Close(r.code, r.why)
}

// pingLoop pings the client so a vanished one (no close frame, no FIN) is
// noticed and its peer told, within PingInterval plus PingTimeout.
func (s *session) pingLoop() {
	t := time.NewTicker(s.srv.limits.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(s.ctx, s.srv.limits.PingTimeout)
			err := s.conn.Ping(ctx)
			cancel()
			if err != nil {
				s.close(closeReason{code: websocket.StatusAbnormalClosure, why: "no pong", abrupt: true})
				return
			}
		case <-s.closing:
			return
		case <-s.ctx.Done():
			return
		}
	}
}
