package logevery

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	l := Limiter{Every: 10 * time.Second}
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at         time.Duration
		ok         bool
		suppressed int
	}{
		{0, true, 0},
		{time.Second, false, 0},
		{9 * time.Second, false, 0},
		{10 * time.Second, true, 2},
		{11 * time.Second, false, 0},
		{30 * time.Second, true, 1},
		{41 * time.Second, true, 0},
	}
	for _, s := range steps {
		ok, n := l.Allow(t0.Add(s.at))
		if ok != s.ok || n != s.suppressed {
			t.Fatalf("Allow(+%v) = %v, %d; want %v, %d", s.at, ok, n, s.ok, s.suppressed)
		}
	}
}

func TestZeroLogsEveryTime(t *testing.T) {
	var l Limiter
	now := time.Now()
	for i := range 3 {
		if ok, n := l.Allow(now); !ok || n != 0 {
			t.Fatalf("call %d: Allow = %v, %d; want true, 0", i, ok, n)
		}
	}
}
