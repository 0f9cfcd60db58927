package wssession

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// corkLimit is how many bytes a corked connection holds back before it
// writes them anyway: a burst's frames leave in few system calls, and a
// session never holds more than this beyond its queue.
const corkLimit = 16 << 10

// closeFlush bounds how long Close may spend sending held bytes to a peer
// that does not read.
const closeFlush = 100 * time.Millisecond

var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, corkLimit); return &b }}

// CorkConn is a connection whose writes can be held back while the
// session's writer has more frames queued, then sent in one system call.
// Writing is most of the cost of delivering a message (one write per frame
// per session, before this), and a session that falls behind a burst is
// exactly one with several frames queued. A frame is never split from the
// bytes written before it: writes made while corked (the writer's frames,
// and the pongs coder/websocket writes from the reader) keep their order
// and leave on Uncork. Idle, it holds no buffer.
type CorkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    *[]byte // from corkBuffers while corked

	abandon atomic.Bool // Close sends nothing held (Abandon)
}

// NewCorkConn wraps c, uncorked.
func NewCorkConn(c net.Conn) *CorkConn { return &CorkConn{Conn: c} }

// Write sends p, or holds it back while corked; past corkLimit it sends
// what is held and p at once.
func (c *CorkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.corked {
		c.mu.Unlock()
		return c.Conn.Write(p)
	}
	defer c.mu.Unlock()
	b := *c.buf
	if len(b)+len(p) <= corkLimit {
		*c.buf = append(b, p...)
		return len(p), nil
	}
	if len(b) > 0 {
		if _, err := c.Conn.Write(b); err != nil {
			*c.buf = b[:0]
			return 0, err
		}
		*c.buf = b[:0]
	}
	return c.Conn.Write(p)
}

// Cork holds later writes back until Uncork.
func (c *CorkConn) Cork() {
	c.mu.Lock()
	if !c.corked {
		c.corked = true
		c.buf = corkBuffers.Get().(*[]byte)
	}
	c.mu.Unlock()
}

// Uncork sends what was held back, in one write, and lets later writes
// through; the buffer goes back to the pool even when the write fails.
func (c *CorkConn) Uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return nil
	}
	c.corked = false
	b := *c.buf
	var err error
	if len(b) > 0 {
		_, err = c.Conn.Write(b)
	}
	*c.buf = b[:0]
	corkBuffers.Put(c.buf)
	c.buf = nil
	return err
}

// Close sends what is held back, unless the writer is in the middle of a
// write, then closes the connection. coder/websocket answers a client's
// close frame and closes the connection at once, from its reader: the
// answer must not stay in the buffer of a writer that is between two
// frames. The send is bounded by closeFlush.
func (c *CorkConn) Close() error {
	if !c.abandon.Load() && c.mu.TryLock() {
		if c.corked && len(*c.buf) > 0 {
			_ = c.Conn.SetWriteDeadline(time.Now().Add(closeFlush))
			_, _ = c.Conn.Write(*c.buf)
			*c.buf = (*c.buf)[:0]
		}
		c.mu.Unlock()
	}
	return c.Conn.Close()
}

// Abandon makes Close send nothing that is held: the session is dropped
// abruptly, maybe by a caller that must not wait on a client that does not
// read.
func (c *CorkConn) Abandon() { c.abandon.Store(true) }
