package gizws

import (
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

// login authenticates login_req on the same socket as often as the client
// asks (the SDKs log in again after s2c_invalid_msg 1009). The session's
// state is always that of the last login_req: a success replaces the
// previous login (dropping its subscriptions if the user changed), a
// failure logs the session out.
func (s *session) login(req LoginRequest) {
	ctx, cancel := s.srv.opContext()
	defer cancel()
	seq := s.srv.accessSeq.Load()
	u, grant, err := s.srv.node.AuthToken(ctx, req.AppID, req.Token)
	if err == nil && u.UID != req.UID {
		err = errUIDMismatch
	}
	if err != nil {
		code, msg := loginErrorCode(err)
		s.loginFailed(code, msg, err)
		return
	}
	s.failures = 0
	s.mu.Lock()
	if s.uid != u.UID {
		for did := range s.subs {
			s.dropLocked(did)
		}
		s.srv.hub.setUser(s, s.uid, u.UID)
	}
	s.uid, s.custom, s.autoSub = u.UID, req.P0Type == p0Custom, req.AutoSubscribe
	s.grant = grant
	s.tokenExp.Store(grant.ExpiresAt.UnixNano())
	s.gen++
	gen := s.gen
	s.mu.Unlock()
	s.heartbeat.Store(int64(time.Duration(req.HeartbeatSeconds) * time.Second))
	s.poke()
	s.send(renderLoginRes(true, 0, ""))
	if s.srv.accessSeq.Load() != seq && !s.recheckToken(ctx, req, gen) {
		return
	}
	s.srv.log.Debug("ws login", "client", s.id, "uid", u.UID, "p0_type", req.P0Type, "heartbeat", req.HeartbeatSeconds, "auto_subscribe", req.AutoSubscribe)
	if req.AutoSubscribe {
		s.subscribeAll(ctx, u.UID, gen)
	}
}

// loginFailed answers a failed login_req, logs the session out, and closes
// the connection after Limits.MaxLoginFailures failures.
func (s *session) loginFailed(code Code, msg string, err error) {
	if code == CodeServerError {
		s.srv.log.Warn("ws login failed", "client", s.id, "err", err)
	}
	s.logout()
	s.failures++
	s.send(renderLoginRes(false, code, msg))
	if s.failures >= s.srv.limits.MaxLoginFailures {
		s.close(reasonLoginFails)
	}
}

func (s *session) logout() {
	s.mu.Lock()
	was := s.logoutLocked()
	s.mu.Unlock()
	s.loggedOut(was)
}

// logoutLocked drops the login and its subscriptions and reports whether
// there was one; s.mu must be held. loggedOut must follow, unlocked.
func (s *session) logoutLocked() bool {
	was := s.uid != ""
	for did := range s.subs {
		s.dropLocked(did)
	}
	s.srv.hub.setUser(s, s.uid, "")
	s.uid, s.custom, s.autoSub = "", false, false
	s.grant = core.TokenGrant{}
	s.tokenExp.Store(0)
	s.gen++
	return was
}

// loggedOut starts the login deadline again.
func (s *session) loggedOut(was bool) {
	if was || s.heartbeat.Load() > 0 {
		s.heartbeat.Store(0)
		s.loginBy.Store(time.Now().Add(s.srv.limits.LoginTimeout).UnixNano())
		s.poke()
	}
}
