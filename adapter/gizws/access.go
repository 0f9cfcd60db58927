package gizws

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

// A session rests on the token it logged in with. When that token ends
// (revoked, replaced by a password change, expired) the session is logged
// out at once: it gets s2c_invalid_msg 9004 "token invalid" (9006 "token
// expired"), loses its subscriptions, and from then on is a logged-out
// session (1009 for every command, the login deadline runs again). The
// Gizwits SDKs pass codes other than 1009 to onError, so the app learns
// why instead of silently logging in again with the dead token.

const (
	msgTokenInvalid = "token invalid"
	msgTokenExpired = "token expired"
)

// onAccess ends the logins of the user's sessions whose token the event
// names. accessSeq moves first, so a login that authenticated before the
// event but joined the user's index after this handler read it notices
// (login.go) and checks its token again.
func (srv *Server) onAccess(_ string, data []byte) {
	srv.accessSeq.Add(1)
	var ev core.AccessEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		srv.log.Warn("ws: bad access event", "err", err)
		return
	}
	targets := srv.hub.users(srv.accessScratch[:0], ev.UID)
	for _, s := range targets {
		s.endLogin(func() bool { return s.uid == ev.UID && ev.Ends(s.grant.Hash) },
			CodeTokenInvalid, msgTokenInvalid, ev.Reason)
	}
	clear(targets)
	srv.accessScratch = targets[:0]
}

// tokenExpired ends the login when its token's expiry has passed; the
// writer calls it from its deadline.
func (s *session) tokenExpired(now time.Time) {
	s.endLogin(func() bool { return s.uid != "" && !now.Before(s.grant.ExpiresAt) },
		CodeTokenExpired, msgTokenExpired, "token expired")
}

// recheckToken authenticates the login's token again after an access event
// raced the login; false when the token ended and the login with it.
func (s *session) recheckToken(ctx context.Context, req LoginRequest, gen uint64) bool {
	_, _, err := s.srv.node.AuthToken(ctx, req.AppID, req.Token)
	if err == nil {
		return true
	}
	code, msg := CodeTokenInvalid, msgTokenInvalid
	if errors.Is(err, core.ErrTokenExpired) {
		code, msg = CodeTokenExpired, msgTokenExpired
	}
	s.endLogin(func() bool { return s.gen == gen }, code, msg, "token ended during login")
	return false
}

// endLogin logs the session out and tells the client why, if applies (run
// under s.mu) says the login it concerns is still the session's. The
// subscriptions end before the notice is queued, so nothing of a device
// follows it.
func (s *session) endLogin(applies func() bool, code Code, msg, why string) {
	s.mu.Lock()
	if s.uid == "" || !applies() {
		s.mu.Unlock()
		return
	}
	uid := s.uid
	s.logoutLocked()
	s.send(renderInvalid(code, msg, ""))
	s.mu.Unlock()
	s.loggedOut(true)
	s.srv.log.Info("ws login ended", "client", s.id, "uid", uid, "reason", why)
}
