// Package logevery spaces out a log line that a fault can repeat thousands
// of times a second (a full accept queue, a slow subscriber, a bus that is
// down): the first occurrence is logged, the rest within the interval are
// counted and the count goes with the next line logged.
package logevery

import (
	"sync"
	"time"
)

// Limiter decides whether one repeated line is logged now. The zero value
// logs every time; set Every. It is safe for concurrent use.
type Limiter struct {
	Every time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// Allow reports whether to log at now and, if so, how many occurrences
// since the last logged one were not.
func (l *Limiter) Allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.Sub(l.last) < l.Every {
		l.suppressed++
		return false, 0
	}
	suppressed, l.last, l.suppressed = l.suppressed, now, 0
	return true, suppressed
}
