package core

import "sync"

// didLocks is one mutex per device, held only while someone needs it. A
// fixed set of striped mutexes would make two devices that hash alike
// wait for each other, and in a connect storm every connect holds its
// device's lock across a group commit, so a collision would cost a whole
// extra transaction.
type didLocks struct {
	mu sync.Mutex
	m  map[string]*didLock
}

type didLock struct {
	sync.Mutex
	refs int // holders and waiters; the entry goes when it drops to 0
}

// lock locks did's mutex and returns its unlock.
func (l *didLocks) lock(did string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*didLock)
	}
	e := l.m[did]
	if e == nil {
		e = &didLock{}
		l.m[did] = e
	}
	e.refs++
	l.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(l.m, did)
		}
		l.mu.Unlock()
	}
}
