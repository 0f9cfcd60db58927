package netlimit_test

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/netlimit"
)

// refusals records the reasons passed to Options.Refused.
type refusals struct {
	mu      sync.Mutex
	reasons []string
}

func (r *refusals) add(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reasons = append(r.reasons, reason)
}

func (r *refusals) count(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, x := range r.reasons {
		if x == reason {
			n++
		}
	}
	return n
}

// serve accepts on l and hands every connection to conns until l closes.
func serve(t *testing.T, l *netlimit.Listener) <-chan net.Conn {
	t.Helper()
	conns := make(chan net.Conn, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return conns
}

func listen(t *testing.T, o netlimit.Options) *netlimit.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return netlimit.New(ln, o)
}

func dial(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func accepted(t *testing.T, conns <-chan net.Conn) net.Conn {
	t.Helper()
	select {
	case c := <-conns:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("connection not accepted")
		return nil
	}
}

// closedByServer reads c until the server closes it and returns what it
// read.
func closedByServer(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection not closed by the server: %v", err)
	}
	return string(b)
}

// TestTotalCap: beyond MaxConns a connection is closed at accept and
// counted; a slot freed by a Close admits the next one.
func TestTotalCap(t *testing.T) {
	var r refusals
	l := listen(t, netlimit.Options{MaxConns: 2, Refused: r.add})
	conns := serve(t, l)
	dial(t, l)
	dial(t, l)
	first := accepted(t, conns)
	accepted(t, conns)

	third := dial(t, l)
	closedByServer(t, third)
	if n := r.count(netlimit.ReasonTotal); n != 1 {
		t.Fatalf("refused for total %d times, want 1", n)
	}
	if l.Open() != 2 {
		t.Fatalf("open %d, want 2", l.Open())
	}
	first.Close()
	first.Close() // a second Close must not free a second slot
	dial(t, l)
	accepted(t, conns)
	if n := r.count(netlimit.ReasonTotal); n != 1 {
		t.Fatalf("refused %d times after a slot was freed, want 1", n)
	}
	over := dial(t, l)
	closedByServer(t, over)
	if n := r.count(netlimit.ReasonTotal); n != 2 {
		t.Fatalf("refused %d times, want 2: a double Close freed two slots", n)
	}
}

// TestPerAddrCap: one address may hold MaxConnsPerAddr connections; the
// next is answered by Reject and closed, and loopback gets no exemption.
func TestPerAddrCap(t *testing.T) {
	var r refusals
	l := listen(t, netlimit.Options{MaxConnsPerAddr: 1, Refused: r.add, Reject: func(c net.Conn) {
		io.WriteString(c, "busy\n")
	}})
	conns := serve(t, l)
	dial(t, l)
	accepted(t, conns)

	second := dial(t, l)
	io.WriteString(second, "request bytes the server never reads\n")
	if got := closedByServer(t, second); got != "busy\n" {
		t.Fatalf("refused connection read %q, want the Reject answer", got)
	}
	if n := r.count(netlimit.ReasonPerAddr); n != 1 {
		t.Fatalf("refused per address %d times, want 1", n)
	}
}

// TestAcceptErrorsRetried runs the listener into the process's real
// open-files limit: Accept fails with EMFILE, is retried with back-off and
// counted, and the waiting connection is accepted as soon as descriptors
// are free again. (Not parallel: it lowers this process's limit.)
func TestAcceptErrorsRetried(t *testing.T) {
	var errs atomic.Int64
	var lastErr atomic.Value
	l := listen(t, netlimit.Options{Name: "test", AcceptError: func(err error) {
		errs.Add(1)
		lastErr.Store(err)
	}})

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	low := old
	low.Cur = 256
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)

	// Take every descriptor but one, which the client's socket gets; the
	// server side of that connection then has none.
	var fill []*os.File
	defer func() {
		for _, f := range fill {
			f.Close()
		}
	}()
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatal(err)
			}
			break
		}
		fill = append(fill, f)
	}
	fill[len(fill)-1].Close()
	fill = fill[:len(fill)-1]
	client, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	conns := make(chan net.Conn, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			conns <- c
		}
		close(conns)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for errs.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d accept errors after 10s, want 3 retries", errs.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err, _ := lastErr.Load().(error); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("accept error %v, want EMFILE", err)
	}
	for _, f := range fill {
		f.Close()
	}
	fill = nil
	select {
	case c := <-conns:
		if c == nil {
			t.Fatal("Accept returned an error instead of retrying")
		}
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("connection not accepted after descriptors were freed")
	}
	l.Close()
}

// TestCloseDuringBackoff: Close ends an Accept that is waiting to retry.
func TestCloseDuringBackoff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	failing := &failOnce{Listener: ln, failed: make(chan struct{})}
	l := netlimit.New(failing, netlimit.Options{MinBackoff: time.Hour, MaxBackoff: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		done <- err
	}()
	<-failing.failed
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept returned %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still waiting after Close")
	}
}

// failOnce fails its first Accept the way a listener at EMFILE does, so
// the wrapper enters its back-off (an hour here).
type failOnce struct {
	net.Listener
	once   sync.Once
	failed chan struct{}
}

func (f *failOnce) Accept() (net.Conn, error) {
	var fail bool
	f.once.Do(func() { fail = true })
	if fail {
		close(f.failed)
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return f.Listener.Accept()
}
