package gizws

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/coder/websocket"
)

// readLoop handles the client's messages one at a time, so messages sent
// before login_res are processed in order after it (clients pipeline
// login_req and subscribe_req). It returns when the connection ends.
func (s *session) readLoop() {
	var seq uint64
	for {
		// Not s.abortCtx: a cancelled read would drop the connection before
		// the writer could send its close frame. The writer's Close or
		// CloseNow ends this read instead.
		_, data, err := s.conn.Read(context.Background())
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				// This side closed the connection: coder/websocket does
				// that when a write times out, and the writer is about
				// to record why. Let its reason be the one logged.
				select {
				case <-s.closing:
				case <-time.After(time.Second):
				}
			}
			s.close(readEndReason(err))
			return
		}
		s.touch()
		s.srv.metrics.In.Inc()
		seq++
		m, err := ParseMessage(data)
		m.Seq = seq
		if err != nil {
			s.refused(m, err.(*ParseError))
			continue
		}
		s.handle(m)
	}
}

// readEndReason says why reading stopped. Every case is abrupt: either the
// peer closed (coder/websocket has answered its close frame), or the
// library already sent its own close frame (1009 message too big, 1002
// protocol error), or the connection is broken.
func readEndReason(err error) closeReason {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		return closeReason{code: websocket.StatusMessageTooBig, why: "message too big", abrupt: true}
	case websocket.CloseStatus(err) != -1:
		return closeReason{code: websocket.CloseStatus(err), why: "client closed", abrupt: true}
	}
	return closeReason{why: "read failed: " + err.Error(), abrupt: true}
}

// refused answers a message the parser refused. A bad login_req still
// gets login_res (the SDKs wait for it) and counts as a failed login.
func (s *session) refused(m Message, e *ParseError) {
	s.srv.metrics.DecodeErrors.Inc()
	switch {
	case m.Cmd == cmdLogin:
		s.loginFailed(e.Code, withDetail(e.Code, e.Msg), nil)
		return
	case m.Cmd != "" && m.Cmd != cmdPing && !s.loggedIn():
		// Logging in comes first, whatever else is wrong.
		s.send(renderInvalid(CodeLoginRequired, msgLoginRequired, ""))
		return
	}
	s.send(renderInvalid(e.Code, withDetail(e.Code, e.Msg), e.DID))
}
