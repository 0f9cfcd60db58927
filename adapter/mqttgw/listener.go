package mqttgw

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
)

// boundListener hands mochi a socket that Switchboard bound itself, so that a
// taken port is reported before anything starts and ":0" works in tests.
// The socket is wrapped by netlimit: Accept errors are retried (mochi's own
// listeners stop at the first one) and connection caps are applied.
type boundListener struct {
	id string
	// ln is the netlimit listener, or a TLS listener over it: the caps
	// apply before any handshake work is spent.
	ln             net.Listener
	log            *slog.Logger
	connectTimeout time.Duration
	refused        func(reason string)
	once           sync.Once

	// conns are the connections handed to mochi and not yet ended, and wg
	// their goroutines. Close ends and waits for them all, so none can
	// enter mochi's client WaitGroup while mochi waits on it at shutdown.
	mu    sync.Mutex
	conns map[*pendingConn]struct{}
	wg    sync.WaitGroup
}

var _ listeners.Listener = (*boundListener)(nil)

func (l *boundListener) Init(*slog.Logger) error { return nil }
func (l *boundListener) ID() string              { return l.id }
func (l *boundListener) Address() string         { return l.ln.Addr().String() }
func (l *boundListener) Protocol() string        { return "tcp" }

// reasonNoConnect counts connections closed for sending no CONNECT in time
// (for MQTTS, the TLS handshake and the CONNECT together);
// reasonTLSHandshake those whose TLS handshake failed otherwise.
const (
	reasonNoConnect    = "no_connect"
	reasonTLSHandshake = "tls_handshake"
)

// Serve accepts until the socket is closed, handing each connection to
// mochi with a read deadline for its CONNECT: mochi reads the CONNECT
// without one, so a silent connection would be held for ever. mochi
// replaces the deadline with the keepalive's once the CONNECT is read.
func (l *boundListener) Serve(establish listeners.EstablishFn) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed: netlimit retries everything else
		}
		pc := &pendingConn{Conn: c, done: make(chan struct{})}
		tc, isTLS := c.(*tls.Conn)
		if isTLS {
			// The handshake writes too: a peer that never reads must not
			// hold it past the CONNECT deadline either.
			_ = c.SetDeadline(time.Now().Add(l.connectTimeout))
		} else {
			_ = c.SetReadDeadline(time.Now().Add(l.connectTimeout))
		}
		if !l.track(pc) {
			_ = c.Close()
			return
		}
		go func() {
			defer l.untrack(pc)
			defer close(pc.done)
			if isTLS && !l.handshake(tc) {
				return
			}
			err := establish(l.id, pc)
			if err != nil && !pc.connected.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
				l.refused(reasonNoConnect)
				l.log.Debug("connection closed: no CONNECT in time", "remote", c.RemoteAddr().String(), "timeout", l.connectTimeout.String())
			}
		}()
	}
}

// handshake completes a device's TLS handshake within the CONNECT deadline
// (set at accept), then lifts the write deadline, which mochi never sets
// and so would otherwise stay; the read deadline stays for the CONNECT.
func (l *boundListener) handshake(tc *tls.Conn) bool {
	if err := tc.Handshake(); err != nil {
		reason := reasonTLSHandshake
		if errors.Is(err, os.ErrDeadlineExceeded) {
			reason = reasonNoConnect
		}
		l.refused(reason)
		l.log.Debug("connection closed: TLS handshake failed", "remote", tc.RemoteAddr().String(), "reason", reason, "err", err)
		_ = tc.Close()
		return false
	}
	_ = tc.SetWriteDeadline(time.Time{})
	return true
}

// Close stops accepting and closes the listener's clients.
func (l *boundListener) Close(closeClients listeners.CloseFn) {
	l.once.Do(func() {
		_ = l.ln.Close()
		closeClients(l.id) // sessions first, with mochi's own reason
		l.mu.Lock()
		for pc := range l.conns {
			_ = pc.Close()
		}
		l.conns = nil // no more: track refuses
		l.mu.Unlock()
		l.wg.Wait()
	})
}

func (l *boundListener) track(pc *pendingConn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conns == nil {
		return false
	}
	l.conns[pc] = struct{}{}
	l.wg.Add(1)
	return true
}

func (l *boundListener) untrack(pc *pendingConn) {
	l.mu.Lock()
	delete(l.conns, pc)
	l.mu.Unlock()
	l.wg.Done()
}

// pendingConn is a device connection that records whether its CONNECT
// arrived (limitsHook.OnConnect sets it), so a deadline error can be told
// apart from a keepalive expiry.
type pendingConn struct {
	net.Conn
	connected atomic.Bool
	// done is closed when mochi's handler of the connection has returned,
	// its cleanup included (takeover.go waits for it).
	done chan struct{}
}
