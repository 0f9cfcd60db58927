package interconnect

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/relay"
)

// session is one relay connection; it is the relay.Endpoint of its client
// once the hello succeeded. Its queue, writer and close path are the
// shared skeleton (internal/wssession); this file adds the relay's parts.
type session struct {
	srv    *Server
	ws     *wssession.Session
	conn   *websocket.Conn
	remote string
	nonce  []byte

	// Set by the reader once the hello succeeded, read by others after
	// registered is true.
	role       string
	h          *relay.Handle
	registered atomic.Bool

	ctx context.Context // ends when the session is torn down

	// peerClose is the close code the client sent (-1 if none); set by the
	// reader as it ends, read by teardown after it.
	peerClose websocket.StatusCode

	diagnoses atomic.Int32   // running diagnoses
	workers   sync.WaitGroup // diagnosis goroutines
}

var reasonHelloTimeout = wssession.Reason{Code: CloseHelloTimeout, Why: "no hello in time"}

func newSession(srv *Server, conn *websocket.Conn, remote string, nonce []byte) *session {
	q := wssession.NewQueue(srv.limits.ControlQueueLen, srv.limits.PairQueueLen)
	s := &session{srv: srv, conn: conn, remote: remote, nonce: nonce,
		ws: wssession.New(srv.baseCtx, conn, q, srv.limits.WriteTimeout, srv.metrics)}
	s.ctx = s.ws.Context()
	return s
}

// send queues a control frame; a client that lets the queue fill is cut
// off rather than let it hold the relay's memory.
func (s *session) send(b []byte) { s.ws.Send(b) }

// close asks the writer to end the session; the first reason wins.
func (s *session) close(r wssession.Reason) { s.ws.Close(r) }

// Event implements relay.Endpoint.
func (s *session) Event(e relay.Event) { s.send(renderEvent(e)) }

// Offer implements relay.Endpoint: relayed messages queue per source, and
// a full pair makes the sender wait (relay.Relay's offer) instead of
// closing the session: backpressure reaches the sender as a 204 / -2
// timeout rather than a lost message.
func (s *session) Offer(m relay.Message) (relay.Offer, <-chan struct{}) {
	res, space := s.ws.Offer(m.From, render(messageFrame{Type: "message", Node: m.From, Data: m.Data}))
	switch res {
	case wssession.Queued:
		return relay.Queued, nil
	case wssession.Full:
		return relay.Full, space
	}
	return relay.Gone, nil
}

// Close implements relay.Endpoint.
func (s *session) Close(code int, reason string) {
	s.close(wssession.Reason{Code: websocket.StatusCode(code), Why: reason})
}

// writeLoop sends what is queued until the session closes, and closes a
// session that does not say hello in time.
func (s *session) writeLoop() {
	helloBy, checked := time.Now().Add(s.srv.limits.HelloTimeout), false
	s.ws.WriteLoop(wssession.Loop{
		Deadline: func() time.Time {
			if checked {
				return time.Time{}
			}
			return helloBy
		},
		OnDeadline: func() {
			checked = true
			if !s.registered.Load() {
				s.close(reasonHelloTimeout)
			}
		},
	})
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
				s.close(wssession.Reason{Code: websocket.StatusAbnormalClosure, Why: "no pong", Abrupt: true})
				return
			}
		case <-s.ws.Closing():
			return
		case <-s.ctx.Done():
			return
		}
	}
}
