package gizws

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-iot/switchboard/internal/wssession"
)

// startWriter starts the on-demand writer that sends queued messages and
// the timer that enforces the login and heartbeat deadlines, so a silent
// client costs no goroutine beyond its reader. The writer takes one
// message per turn, so the queue's limit counts every message not yet
// being written, as a channel of that capacity would.
func (s *session) startWriter() {
	s.ws.Start(wssession.Loop{
		Batch:      1,
		Deadline:   s.deadline,
		OnDeadline: s.checkDeadline,
		WriteFailed: func(err error) wssession.Reason {
			if errors.Is(err, context.DeadlineExceeded) {
				// A client that does not read while the node sends
				// slowly times a write out before its queue fills: the
				// same fault as a full queue, counted with it.
				s.srv.metrics.QueueDrops.Inc()
				return wssession.Reason{Why: "client not reading: write timed out"}
			}
			return wssession.Reason{Why: "write failed: " + err.Error()}
		},
	})
}

// deadline is the timer's next wake-up: the activity deadline, or the
// expiry of the login's token when that comes first.
func (s *session) deadline() time.Time {
	d := s.activityDeadline()
	if exp := s.tokenExp.Load(); exp != 0 && exp < d.UnixNano() {
		return time.Unix(0, exp)
	}
	return d
}

// activityDeadline is when the client must have logged in (while logged
// out) or have sent something (while logged in: the interval plus one of
// grace).
func (s *session) activityDeadline() time.Time {
	if hb := time.Duration(s.heartbeat.Load()); hb > 0 {
		return time.Unix(0, s.lastSeen.Load()).Add(heartbeatGraceFactor * hb)
	}
	return time.Unix(0, s.loginBy.Load())
}

func (s *session) checkDeadline() {
	now := time.Now()
	if exp := s.tokenExp.Load(); exp != 0 && now.UnixNano() >= exp {
		s.tokenExpired(now)
	}
	if now.Before(s.activityDeadline()) {
		return
	}
	if s.heartbeat.Load() > 0 {
		s.send(renderInvalid(CodeNoHeartbeat, msgNoHeartbeat, ""))
		s.close(reasonNoHeartbeat)
		return
	}
	s.close(reasonNoLogin)
}
