package gizws

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/wssession"
)

// session is one /ws/app/v1 connection. Its reader goroutine handles
// client messages one at a time, in order; its writer, a goroutine that
// runs only while there is something to send (wssession.Start), drains a
// bounded queue that the reader and the event dispatcher fill without ever
// waiting. Queue, writer and close path are
// the shared skeleton (internal/wssession); this file adds the app API's
// parts.
type session struct {
	srv    *Server
	ws     *wssession.Session
	conn   *websocket.Conn
	id     string // app client id (clientid.go), also the Presence key
	remote string

	// Read by the deadline timer; written by the reader.
	lastSeen  atomic.Int64 // unix ns of the last message or ping frame from the client
	loginBy   atomic.Int64 // unix ns by which a login must succeed, while logged out
	heartbeat atomic.Int64 // ns; 0 while logged out
	tokenExp  atomic.Int64 // unix ns when the login's token expires; 0 while logged out

	// mu guards the login and subscription state, which the reader and the
	// dispatcher both use, and makes "check subscribed, then queue" atomic
	// so nothing is queued for a device after its subscription ends.
	mu      sync.Mutex
	uid     string // "" while logged out
	custom  bool   // p0_type custom
	autoSub bool
	gen     uint64          // bumped by every login or logout
	grant   core.TokenGrant // the token of the login, while logged in (access.go)
	subs    map[string]*sub
	ended   bool // torn down: take no subscriptions

	failures int    // failed logins; reader only
	seq      uint64 // messages read; reader only
}

// sub is one watched device.
type sub struct {
	// statusSent: an s2c_online_status went out since subscribing, so the
	// snapshot read at subscription time may be stale and is not sent;
	// online is what it said, so a repeat of the same state (an event
	// delivered after the snapshot that already showed it) is not sent.
	statusSent, online bool
}

// sendStatusLocked queues an online status unless it repeats the last
// one; s.mu must be held.
func (s *session) sendStatusLocked(sb *sub, online bool, msg []byte) {
	if sb.statusSent && sb.online == online {
		return
	}
	sb.statusSent, sb.online = true, online
	s.send(msg)
}

// The app API's own close reasons; wssession has the shared ones (a full
// queue, shutdown).
var (
	reasonNoHeartbeat = wssession.Reason{Code: websocket.StatusPolicyViolation, Why: "no heartbeat"}
	reasonNoLogin     = wssession.Reason{Code: websocket.StatusPolicyViolation, Why: "no login"}
	reasonLoginFails  = wssession.Reason{Code: websocket.StatusPolicyViolation, Why: "too many failed logins"}
)

func newSession(srv *Server, conn *websocket.Conn, remote string) *session {
	s := &session{
		srv:    srv,
		conn:   conn,
		id:     srv.ids.new(),
		remote: remote,
		ws: wssession.New(context.Background(), conn, wssession.NewQueue(srv.limits.QueueLen, 0),
			srv.limits.WriteTimeout, srv.metrics),
		subs: make(map[string]*sub),
	}
	now := time.Now()
	s.lastSeen.Store(now.UnixNano())
	s.loginBy.Store(now.Add(srv.limits.LoginTimeout).UnixNano())
	return s
}

// send queues b without waiting. A full queue means the client does not
// keep up: the session is closed (and counted) instead of blocking the
// caller, which may be the dispatcher serving every other session.
func (s *session) send(b []byte) bool { return s.ws.Send(b) }

// close asks the writer to end the session; the first reason wins.
func (s *session) close(r wssession.Reason) { s.ws.Close(r) }

// touch records client activity for the heartbeat deadline.
func (s *session) touch() { s.lastSeen.Store(time.Now().UnixNano()) }

// poke makes the deadline timer recompute its deadline.
func (s *session) poke() { s.ws.Rearm() }

// teardown drops every subscription and index entry once the reader and
// the writer have ended.
func (s *session) teardown() {
	s.ws.Cancel()
	s.mu.Lock()
	s.ended = true
	for did := range s.subs {
		s.dropLocked(did)
	}
	s.srv.hub.setUser(s, s.uid, "")
	s.mu.Unlock()
	s.srv.hub.forget(s)
}
