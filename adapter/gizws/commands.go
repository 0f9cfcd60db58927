package gizws

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/switchboard-iot/switchboard/core"
)

// handle runs one parsed command on the reader goroutine.
func (s *session) handle(m Message) {
	switch m.Cmd {
	case cmdPing:
		s.send(msgPong)
		return
	case cmdLogin:
		s.login(m.Login)
		return
	}
	uid, custom, ok := s.user()
	if !ok {
		s.send(renderInvalid(CodeLoginRequired, msgLoginRequired, ""))
		return
	}
	if custom && (m.Cmd == cmdRead || m.Cmd == cmdWrite || m.Cmd == cmdAck) {
		// Document §6: not allowed under p0_type custom.
		s.send(renderInvalid(CodeNotAllowed, withDetail(CodeNotAllowed, m.Cmd+` under p0_type "custom"`), m.DID))
		return
	}
	ctx, cancel := s.srv.opContext()
	defer cancel()
	if m.Cmd == cmdSubscribe {
		s.subscribeRequest(ctx, uid, m.Subscribe)
		return
	}
	// Every device command is authorised against the user's bindings.
	if _, err := s.srv.node.Binding(ctx, uid, m.DID); err != nil {
		s.deviceError(m, err, CodeAttrInvalid)
		return
	}
	t := core.Target{DID: m.DID, ClientID: s.id, SN: m.SN, WithSN: m.HasSN}
	var err error
	invalid := CodeAttrInvalid
	switch m.Cmd {
	case cmdWrite:
		err = s.srv.node.WriteAttrs(ctx, t, m.Attrs)
	case cmdRead:
		err = s.srv.node.ReadAttrs(ctx, t, m.Names)
	case cmdRaw:
		invalid = CodeInvalidField
		err = s.srv.node.SendRaw(ctx, t, m.Raw)
	case cmdAck:
		err = s.srv.node.AckDevice(ctx, t)
	}
	if err != nil {
		s.deviceError(m, err, invalid)
	}
}

// deviceError answers a refused device command. The client gets the code
// and a clean msg; the log gets the whole error under the message's
// request id (client id and message number), so an operator can match a
// client's report to the cause.
func (s *session) deviceError(m Message, err error, invalid Code) {
	code, msg := deviceErrorCode(err, invalid)
	level := slog.LevelInfo // the client's own mistake or the device's state
	if code == CodeServerError {
		level = slog.LevelWarn
	}
	s.srv.log.Log(context.Background(), level, "ws device command refused", "request", s.requestID(m),
		"cmd", m.Cmd, "did", m.DID, "code", int(code), "err", err)
	s.send(renderInvalid(code, msg, m.DID))
}

// requestID names one client message in the log: the session's client id
// and the message's number on the socket.
func (s *session) requestID(m Message) string {
	return s.id + "-" + strconv.FormatUint(m.Seq, 10)
}

// user returns the logged-in user and p0 type.
func (s *session) user() (uid string, custom, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uid, s.custom, s.uid != ""
}

func (s *session) loggedIn() bool {
	_, _, ok := s.user()
	return ok
}

// opContext bounds one store or bus operation and ends with the server.
func (srv *Server) opContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(srv.baseCtx, srv.opTimeout)
}
