package interconnect

import (
	"context"
	"errors"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/wssession"
)

// readLoop handles the client's frames one at a time, in order, until the
// connection ends.
func (s *session) readLoop() {
	for {
		// Not s.ctx: a cancelled read would drop the connection before the
		// writer could send its close frame; the writer's Close or CloseNow
		// ends this read instead.
		typ, data, err := s.conn.Read(context.Background())
		if err != nil {
			s.peerClose = websocket.CloseStatus(err)
			s.close(readEndReason(err))
			return
		}
		s.srv.metrics.In.Inc()
		if typ != websocket.MessageText {
			s.refuse(0, "frames are JSON text, not binary")
			continue
		}
		f, err := ParseFrame(data)
		if err != nil {
			pe := err.(*ParseError)
			if !s.registered.Load() {
				// Nothing else makes sense before a valid hello.
				s.fatal(CloseBadHello, pe.Msg)
				return
			}
			s.refuse(pe.ID, pe.Msg)
			continue
		}
		if !s.handle(f) {
			return
		}
	}
}

// readEndReason says why reading stopped; every case is abrupt (the peer
// closed, or the library sent its own close frame, or the link broke).
func readEndReason(err error) wssession.Reason {
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		return wssession.Reason{Code: websocket.StatusMessageTooBig, Why: "frame too big", Abrupt: true}
	case websocket.CloseStatus(err) != -1:
		return wssession.Reason{Code: websocket.CloseStatus(err), Why: "client closed", Abrupt: true}
	}
	return wssession.Reason{Code: websocket.StatusAbnormalClosure, Why: "read failed: " + err.Error(), Abrupt: true}
}

// refuse answers a frame the relay cannot take with the role's "bad input"
// code; the connection stays.
func (s *session) refuse(id int64, msg string) {
	s.srv.metrics.DecodeErrors.Inc()
	code := WatchBadParams
	if s.role == "phone" {
		code = StatusCancelled
	}
	s.send(render(resultFrame{Type: "result", ID: id, Code: code, Message: msg}))
}

// fatal tells the client why and closes the connection with code.
func (s *session) fatal(code int, msg string) {
	s.srv.metrics.DecodeErrors.Inc()
	s.send(render(fatalFrame{Type: "fatal", Code: code, Message: msg}))
	reason := msg
	if len(reason) > 120 { // a close reason is at most 123 bytes
		reason = reason[:120]
	}
	s.close(wssession.Reason{Code: websocket.StatusCode(code), Why: reason})
}

// handle runs one parsed frame; false ends the read loop.
func (s *session) handle(f Frame) bool {
	if !s.registered.Load() {
		if f.Type != "hello" {
			s.fatal(CloseBadHello, "say hello first")
			return false
		}
		return s.hello(f)
	}
	if f.Type == "hello" {
		s.refuse(0, "hello was already said on this connection")
		return true
	}
	if role := frameRoles[f.Type]; role != "" && role != s.role {
		s.refuse(f.ID, f.Type+" is not a "+s.role+" request")
		return true
	}
	if f.Type == "ping" {
		s.send(render(resultFrame{Type: "result", ID: f.ID}))
		return true
	}
	if s.role == "watch" {
		s.watchRequest(f)
	} else {
		s.phoneRequest(f)
	}
	return true
}

// teardown unregisters the endpoint once both goroutines ended, telling
// the peer how the connection ended (its onclose code).
func (s *session) teardown() {
	s.ws.Cancel()
	s.workers.Wait()
	if !s.registered.Load() {
		return
	}
	// The client's own close frame decides, whatever else failed around
	// it (a write racing the close handshake must not turn a normal quit
	// into a lost connection).
	code, reason := 1006, "the "+s.role+" app's connection was lost"
	switch {
	case s.peerClose == websocket.StatusNormalClosure:
		code, reason = 1000, "the "+s.role+" app closed the connection"
	case s.peerClose == websocket.StatusGoingAway:
		code, reason = 1001, "the "+s.role+" app went away"
	case s.ws.Reason().Code == websocket.StatusGoingAway:
		code, reason = 1001, "the "+s.role+" app went away ("+s.ws.Reason().Why+")"
	}
	s.srv.ic.Unregister(s.h, code, reason)
}
