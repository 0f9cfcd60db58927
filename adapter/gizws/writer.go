package gizws

import (
	"context"
	"errors"
	"time"

	"github.com/coder/websocket"
)

// writeLoop sends queued messages and enforces the login and heartbeat
// deadlines, so a silent client costs no goroutine beyond its own two.
func (s *session) writeLoop() {
	timer := time.NewTimer(time.Until(s.deadline()))
	defer timer.Stop()
	for {
		select {
		case b := <-s.out:
			if err := s.write(s.abortCtx, b); err != nil {
				why := "write failed: " + err.Error()
				if errors.Is(err, context.DeadlineExceeded) {
					// A client that does not read while the node sends
					// slowly times a write out before its queue fills:
					// the same fault as a full queue, counted with it.
					s.srv.metrics.QueueDrops.Inc()
					why = "client not reading: write timed out"
				}
				s.close(closeReason{why: why, abrupt: true})
				s.conn.CloseNow()
				return
			}
		case <-s.wake:
			timer.Reset(time.Until(s.deadline()))
		case <-timer.C:
			s.checkDeadline()
			timer.Reset(max(time.Until(s.deadline()), 100*time.Millisecond))
		case <-s.closing:
			s.finish()
			return
		}
	}
}

func (s *session) write(ctx context.Context, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.srv.limits.WriteTimeout)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return err
	}
	s.srv.metrics.Out.Inc()
	return nil
}

// deadline is the writer's next wake-up: the activity deadline, or the
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

// finish ends the connection as close asked: abruptly, or after sending
// what is queued (within a second) and a close frame.
func (s *session) finish() {
	r := s.closeWhy
	if r.abrupt {
		s.conn.CloseNow()
		return
	}
	ctx, cancel := context.WithTimeout(s.abortCtx, time.Second)
	defer cancel()
	// Only this goroutine takes from s.out, so len does not lie.
	for len(s.out) > 0 {
		if s.write(ctx, <-s.out) != nil {
			s.conn.CloseNow()
			return
		}
	}
	s.conn.Close(r.code, r.why)
}
