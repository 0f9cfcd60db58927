package gizws

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/freshstack"
	"github.com/switchboard-iot/switchboard/internal/wssession"
)

// readLoop handles the client's messages one at a time, so messages sent
// before login_res are processed in order after it (clients pipeline
// login_req and subscribe_req). It returns when the connection ends.
//
// An idle session is this goroutine parked in a read, so it stays shallow:
// a message is handled on a short goroutine of its own (internal/freshstack)
// while the reader waits, and the reader's frames fit 2 KiB, a 4 KiB stack
// (docs/benchmarks.md).
func (s *session) readLoop() {
	for {
		// Not the session's context: a cancelled read would drop the connection before
		// the writer could send its close frame. The writer's Close or
		// CloseNow ends this read instead.
		_, data, err := s.conn.Read(context.Background())
		if err != nil {
			s.readEnded(err)
			return
		}
		freshstack.Run(func() { s.received(data) })
	}
}

// readEnded closes the session for the error that ended reading.
func (s *session) readEnded(err error) {
	if errors.Is(err, net.ErrClosed) {
		// This side closed the connection: coder/websocket does
		// that when a write times out, and the writer is about
		// to record why. Let its reason be the one logged.
		t := time.NewTimer(time.Second)
		defer t.Stop()
		select {
		case <-s.ws.Closing():
		case <-t.C:
		}
	}
	s.close(readEndReason(err))
}

// received handles one message from the client.
func (s *session) received(data []byte) {
	s.touch()
	s.srv.metrics.In.Inc()
	s.seq++
	m, err := ParseMessage(data)
	m.Seq = s.seq
	if err != nil {
		s.refused(m, err.(*ParseError))
		return
	}
	s.handle(m)
}

// readEndReason says why reading stopped. Every case is abrupt: either the
// peer closed (coder/websocket has answered its close frame), or the
// library already sent its own close frame (1009 message too big, 1002
// protocol error), or the connection is broken.
func readEndReason(err error) wssession.Reason {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		return wssession.Reason{Code: websocket.StatusMessageTooBig, Why: "message too big", Abrupt: true}
	case websocket.CloseStatus(err) != -1:
		return wssession.Reason{Code: websocket.CloseStatus(err), Why: "client closed", Abrupt: true}
	}
	return wssession.Reason{Why: "read failed: " + err.Error(), Abrupt: true}
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
