// Package netlimit wraps a net.Listener so that one listener failure or one
// greedy client cannot take a port away from everybody else: Accept errors
// (EMFILE at the open-files limit, ENFILE, ENOBUFS) are retried with
// back-off instead of ending the accept loop, and connections beyond a cap
// in total or per client address are refused at accept.
package netlimit

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/internal/logevery"
)

// Reasons a connection is refused, as passed to Options.Refused.
const (
	ReasonTotal   = "total"       // the listener holds MaxConns connections
	ReasonPerAddr = "per_address" // the client's address holds MaxConnsPerAddr
)

// Options configure a Listener. Zero values take the documented defaults.
type Options struct {
	// Name labels log lines ("mqtt", "http").
	Name string
	// MaxConns caps the connections open at once; 0 or less means no cap.
	MaxConns int
	// MaxConnsPerAddr caps the connections open at once from one client IP
	// address; 0 or less means no cap. Loopback is not special.
	MaxConnsPerAddr int
	// Logger receives the rate-limited accept-error lines.
	Logger *slog.Logger
	// AcceptError is called for every failed Accept (before the retry).
	AcceptError func(error)
	// Refused is called with a Reason for every connection refused.
	Refused func(reason string)
	// Reject, when set, answers a connection refused for ReasonPerAddr
	// (HTTP: a 503) before it is closed. It runs on its own goroutine with a
	// one-second deadline on the connection; at most maxRejecting run at
	// once, beyond that the connection is just closed. Connections over
	// MaxConns are always just closed: the process is short of resources.
	Reject func(c net.Conn)
	// MinBackoff and MaxBackoff bound the wait after a failed Accept; it
	// starts at MinBackoff and doubles per consecutive failure (net/http's
	// 5 ms to 1 s by default).
	MinBackoff, MaxBackoff time.Duration
	// LogEvery is the least time between two accept-error log lines
	// (default 10 s); the lines in between are counted, not written.
	LogEvery time.Duration
}

// maxRejecting bounds the goroutines (and descriptors) spent answering
// refused connections.
const maxRejecting = 32

// rejectDeadline bounds how long one refused connection is answered and
// drained.
const rejectDeadline = time.Second

// Listener is a net.Listener with retrying Accept and connection caps.
type Listener struct {
	net.Listener
	o         Options
	done      chan struct{}
	closeOnce sync.Once
	rejecting chan struct{}

	mu      sync.Mutex
	total   int
	perAddr map[string]int

	acceptLog logevery.Limiter
}

// New wraps ln.
func New(ln net.Listener, o Options) *Listener {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 5 * time.Millisecond
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Second
	}
	if o.LogEvery <= 0 {
		o.LogEvery = 10 * time.Second
	}
	return &Listener{
		Listener:  ln,
		o:         o,
		done:      make(chan struct{}),
		rejecting: make(chan struct{}, maxRejecting),
		perAddr:   make(map[string]int),
		acceptLog: logevery.Limiter{Every: o.LogEvery},
	}
}

// Accept returns the next admitted connection. It returns an error only
// once the listener is closed: every other failure is logged, counted and
// retried after a back-off, because a listener that stops accepting on
// EMFILE never recovers once the descriptors are free again.
func (l *Listener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			delay = min(max(2*delay, l.o.MinBackoff), l.o.MaxBackoff)
			l.acceptFailed(err, delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-l.done:
				t.Stop()
				return nil, net.ErrClosed
			}
			continue
		}
		delay = 0
		key := addrKey(c.RemoteAddr())
		if reason := l.admit(key); reason != "" {
			l.refuse(c, reason)
			continue
		}
		return &conn{Conn: c, l: l, key: key}, nil
	}
}

// Close stops accepting; connections already handed out stay open.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Open is the number of admitted connections not yet closed.
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

func (l *Listener) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *Listener) admit(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.o.MaxConns > 0 && l.total >= l.o.MaxConns {
		return ReasonTotal
	}
	if l.o.MaxConnsPerAddr > 0 && l.perAddr[key] >= l.o.MaxConnsPerAddr {
		return ReasonPerAddr
	}
	l.total++
	l.perAddr[key]++
	return ""
}

func (l *Listener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perAddr[key]--; l.perAddr[key] <= 0 {
		delete(l.perAddr, key)
	}
}

func (l *Listener) refuse(c net.Conn, reason string) {
	if l.o.Refused != nil {
		l.o.Refused(reason)
	}
	if reason != ReasonPerAddr || l.o.Reject == nil {
		_ = c.Close()
		return
	}
	select {
	case l.rejecting <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.rejecting }()
		_ = c.SetDeadline(time.Now().Add(rejectDeadline))
		l.o.Reject(c)
		lingeringClose(c)
	}()
}

// lingeringClose half-closes c and reads what the client already sent
// before closing, so the kernel does not answer unread data with a reset
// that could destroy the answer just written.
func lingeringClose(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}
	_ = c.Close()
}

func (l *Listener) acceptFailed(err error, retry time.Duration) {
	if l.o.AcceptError != nil {
		l.o.AcceptError(err)
	}
	ok, suppressed := l.acceptLog.Allow(time.Now())
	if !ok {
		return
	}
	l.o.Logger.Error("accept failed; retrying", "listener", l.o.Name, "err", err,
		"retry_in", retry.String(), "suppressed", suppressed)
}

// addrKey is the client's IP address without the port.
func addrKey(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// conn releases its slot once, on the first Close.
type conn struct {
	net.Conn
	l    *Listener
	key  string
	once sync.Once
}

// CloseWrite keeps the half-close net/http uses for its lingering close.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}
