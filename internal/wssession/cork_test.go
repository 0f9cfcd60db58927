package wssession_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/metrics"
)

// countingConn counts the writes that reach the socket: one per system
// call, which is what corking saves.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// tcpPair is a connected pair of real loopback sockets.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestCorkConnHoldsWritesUntilUncork(t *testing.T) {
	server, client := tcpPair(t)
	var writes atomic.Int64
	c := wssession.NewCorkConn(countingConn{server, &writes})

	c.Cork()
	for _, s := range []string{"one ", "two ", "three"} {
		if n, err := c.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("corked write = %d, %v", n, err)
		}
	}
	if got := writes.Load(); got != 0 {
		t.Fatalf("%d writes reached the socket while corked", got)
	}
	if err := c.Uncork(); err != nil {
		t.Fatal(err)
	}
	if got := writes.Load(); got != 1 {
		t.Fatalf("uncork made %d writes, want 1", got)
	}
	// Uncorked, a write goes straight through.
	if _, err := c.Write([]byte(" four")); err != nil {
		t.Fatal(err)
	}
	want := "one two three four"
	got := make([]byte, len(want))
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
	if writes.Load() != 2 {
		t.Fatalf("writes = %d, want 2", writes.Load())
	}
}

// Past its limit a corked connection writes what it holds, so a session
// never keeps more than the limit back, and the bytes keep their order.
func TestCorkConnWritesPastItsLimitInOrder(t *testing.T) {
	server, client := tcpPair(t)
	var writes atomic.Int64
	c := wssession.NewCorkConn(countingConn{server, &writes})

	var sent bytes.Buffer
	read := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(client)
		read <- b
	}()
	c.Cork()
	for i := range 100 {
		line := fmt.Sprintf("%04d %s\n", i, strings.Repeat("x", 500))
		sent.WriteString(line)
		if _, err := c.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	held := writes.Load()
	if held == 0 || held > 2*int64(sent.Len())/(16<<10)+2 {
		t.Fatalf("%d writes for %d bytes corked; want a few, at the limit", held, sent.Len())
	}
	if err := c.Uncork(); err != nil {
		t.Fatal(err)
	}
	server.Close()
	select {
	case got := <-read:
		if !bytes.Equal(got, sent.Bytes()) {
			t.Fatalf("received %d bytes, not the %d sent in order", len(got), sent.Len())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received")
	}
}

func TestCorkConnUncorkOnAClosedConnection(t *testing.T) {
	server, _ := tcpPair(t)
	c := wssession.NewCorkConn(server)
	c.Cork()
	if _, err := c.Write([]byte("lost")); err != nil {
		t.Fatal(err)
	}
	server.Close()
	if err := c.Uncork(); err == nil {
		t.Fatal("uncork on a closed connection succeeded")
	}
	if err := c.Uncork(); err != nil {
		t.Fatalf("a second uncork = %v, want nil (nothing held)", err)
	}
}

// The library answers a client's close frame and closes the connection at
// once; if the writer had corked it, the answer still goes out.
func TestCorkConnCloseSendsWhatIsHeld(t *testing.T) {
	server, client := tcpPair(t)
	c := wssession.NewCorkConn(server)
	c.Cork()
	if _, err := c.Write([]byte("close frame")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(client)
	if err != nil || string(got) != "close frame" {
		t.Fatalf("read %q, %v; want the held bytes, then EOF", got, err)
	}
}

// An abandoned connection (a session dropped abruptly) closes without
// sending what it holds.
func TestCorkConnAbandonedCloseSendsNothing(t *testing.T) {
	server, client := tcpPair(t)
	c := wssession.NewCorkConn(server)
	c.Cork()
	if _, err := c.Write([]byte("never sent")); err != nil {
		t.Fatal(err)
	}
	c.Abandon()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := io.ReadAll(client); err != nil || len(got) != 0 {
		t.Fatalf("read %q, %v; want nothing, then EOF", got, err)
	}
}

// corkingWriter hijacks as the app adapter does: the library writes
// through a CorkConn over a counting socket.
type corkingWriter struct {
	http.ResponseWriter
	writes *atomic.Int64
	cork   *wssession.CorkConn
}

func (w *corkingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.cork = wssession.NewCorkConn(countingConn{conn, w.writes})
	return conn, bufio.NewReadWriter(brw.Reader, bufio.NewWriterSize(w.cork, 1024)), nil
}

// Frames queued together leave together: a burst of 50 small frames takes
// one or two writes to the socket instead of 50, and arrives whole and in
// order.
func TestSessionSendsABurstInFewWrites(t *testing.T) {
	var writes atomic.Int64
	const burst = 50
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &corkingWriter{ResponseWriter: w, writes: &writes}
		conn, err := websocket.Accept(cw, r, nil)
		if err != nil {
			return
		}
		s := wssession.New(context.Background(), conn, wssession.NewQueue(burst, 0), 5*time.Second, metrics.New().Adapter("t"))
		s.SetCork(cw.cork)
		conn.CloseRead(context.Background())
		writes.Store(0) // the upgrade response is not part of the burst
		for i := range burst {
			if !s.Send(fmt.Appendf(nil, `{"n":%d}`, i)) {
				t.Errorf("send %d refused", i)
			}
		}
		s.Start(wssession.Loop{Batch: 1})
		<-s.Done()
	}))
	t.Cleanup(hs.Close)
	c := dial(t, hs)
	for i := range burst {
		got, err := read(t, c)
		if want := fmt.Sprintf(`{"n":%d}`, i); err != nil || got != want {
			t.Fatalf("frame %d = %q, %v; want %q", i, got, err, want)
		}
	}
	if n := writes.Load(); n > 2 {
		t.Fatalf("%d frames took %d writes to the socket, want at most 2", burst, n)
	}
}
