package wssession

import "time"

// Start runs the session's writer on demand, the alternative to WriteLoop
// for adapters with many idle sessions: a goroutine is started when a frame
// is queued, drains the queue and exits when it is empty, so an idle
// session holds no writer goroutine and no stack for it. Loop.Deadline is
// served by a runtime timer (time.AfterFunc), which costs no goroutine
// while it waits; Loop.Poke is not used: call Rearm when the deadline
// moved. Close starts a writer to finish the connection as WriteLoop
// would; Done is closed when it has. Call Start once, instead of
// WriteLoop.
func (s *Session) Start(l Loop) {
	s.loop = l
	if l.Deadline != nil {
		s.tmu.Lock()
		s.timer = time.AfterFunc(time.Hour, s.onTimer)
		s.tmu.Unlock()
		s.Rearm()
	}
	s.onDemand.Store(true)
	s.q.setNotify(s.kick)
	if s.closed.Load() {
		s.kick() // closed before Start: Close did not know to kick
	}
}

// Rearm sets the deadline timer to Loop.Deadline again, after the reader
// moved it (a login, a new heartbeat interval). No-op under WriteLoop.
func (s *Session) Rearm() { s.arm(0) }

// arm sets the timer to the next deadline, at least min from now, so a
// deadline that stays due is retried after min rather than in a busy loop.
func (s *Session) arm(min time.Duration) {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if s.timer == nil {
		return
	}
	d := s.loop.Deadline()
	if d.IsZero() {
		s.timer.Stop()
		return
	}
	s.timer.Reset(max(time.Until(d), min))
}

func (s *Session) onTimer() {
	if s.closed.Load() {
		return
	}
	s.loop.OnDeadline()
	s.arm(100 * time.Millisecond)
}

// kick makes sure a drain runs: the first kick since the last drain ended
// starts one, later kicks tell the running one to look again.
func (s *Session) kick() {
	if s.work.Add(1) == 1 {
		go s.drain()
	}
}

// drain writes until the queue is empty and no kick came meanwhile, or
// finishes the connection once the session is closed (then work stays
// non-zero, so no drain starts again).
func (s *Session) drain() {
	var batch []Item
	for {
		seen := s.work.Load()
		if s.cork != nil {
			s.cork.Cork()
		}
		for {
			if s.closed.Load() {
				s.finish()
				s.end()
				return
			}
			batch = s.q.Take(batch[:0], s.loop.Batch)
			if len(batch) == 0 {
				break
			}
			if !s.writeAll(batch, s.loop) {
				s.end()
				return
			}
		}
		if !s.uncork() {
			s.end()
			return
		}
		clear(batch) // the frames are sent: do not keep them alive
		if s.work.CompareAndSwap(seen, 0) {
			return
		}
	}
}

// end stops the deadline timer and reports the connection finished.
func (s *Session) end() {
	s.tmu.Lock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.tmu.Unlock()
	close(s.done)
}
