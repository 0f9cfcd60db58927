package netfault_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// Deadlines short enough for a test, long enough that a loaded machine
// does not trip them by accident.
const (
	shortDeadline = 700 * time.Millisecond
	closeWithin   = 10 * time.Second // generous: a deadline, not a speed
)

func shortDeadlines(c *server.Config) {
	c.MQTTLimits.ConnectTimeout = shortDeadline
	c.HTTPLimits.ReadHeaderTimeout = shortDeadline
	c.HTTPLimits.ReadTimeout = 2 * shortDeadline
	c.HTTPLimits.IdleTimeout = shortDeadline
}

// TestMQTTNoConnectClosed: a TCP connection that sends nothing, and one
// that sends half a CONNECT, are closed at the CONNECT deadline and
// counted; a device connecting meanwhile is not affected.
func TestMQTTNoConnectClosed(t *testing.T) {
	t.Parallel()
	f := newLampFixture(t, shortDeadlines)
	silent := dialRaw(t, f.srv.MQTTAddr)
	half := dialRaw(t, f.srv.MQTTAddr)
	d := f.device(t, "aa0000000001")
	connect := mqttConnect(d.DID, d.Passcode)
	if _, err := half.Write(connect[:len(connect)/2]); err != nil {
		t.Fatal(err)
	}
	if _, err := connectDevice(t, f.srv.MQTTAddr, d, nil); err != nil {
		t.Fatalf("device beside the silent connections: %v", err)
	}
	got, took := waitClosed(t, silent, closeWithin)
	if len(got) != 0 || took < shortDeadline/2 {
		t.Fatalf("silent connection: read %q, closed after %v (deadline %v)", got, took, shortDeadline)
	}
	if got, _ := waitClosed(t, half, closeWithin); len(got) != 0 {
		t.Fatalf("half CONNECT answered %q, want a plain close", got)
	}
	testserver.Eventually(t, closeWithin, func() error {
		if n := f.srv.Metric(t, `switchboard_connections_refused_total{listener="mqtt",reason="no_connect"}`); n != 2 {
			return fmt.Errorf("no_connect refusals %v, want 2", n)
		}
		return nil
	})
	f.srv.WaitOnline(t, d.DID, true) // the device's keepalive deadline replaced the CONNECT one
}

// TestHTTPHeadersNeverFinish: a request whose headers stop half-way is
// closed at the header deadline.
func TestHTTPHeadersNeverFinish(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, shortDeadlines)
	c := dialRaw(t, strings.TrimPrefix(srv.HTTPURL, "http://"))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	_, took := waitClosed(t, c, closeWithin)
	if took < shortDeadline/2 {
		t.Fatalf("closed after %v, before the %v deadline", took, shortDeadline)
	}
	t.Logf("unfinished headers closed after %v (deadline %v)", took, shortDeadline)
}

// TestHTTPBodyTrickles: a request whose body comes a byte at a time is
// cut at the whole-request deadline, however long the client keeps
// sending.
func TestHTTPBodyTrickles(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, shortDeadlines)
	c := dialRaw(t, strings.TrimPrefix(srv.HTTPURL, "http://"))
	head := "POST /admin/v1/products HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + srv.AdminToken +
		"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // a byte every 100 ms until the server hangs up
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}
	}()
	got, took := waitClosed(t, c, closeWithin)
	if took < shortDeadline {
		t.Fatalf("closed after %v, before the %v deadline: %q", took, 2*shortDeadline, got)
	}
	t.Logf("trickling body closed after %v (deadline %v); answer %q", took, 2*shortDeadline, firstLine(got))
}

// TestHTTPIdleKeepAliveClosed: a keep-alive connection that sends no
// second request is closed at the idle deadline.
func TestHTTPIdleKeepAliveClosed(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, shortDeadlines)
	c := dialRaw(t, strings.TrimPrefix(srv.HTTPURL, "http://"))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("first request: %v %v", resp, err)
	}
	resp.Body.Close()
	if _, took := waitClosed(t, c, closeWithin); took < shortDeadline/2 {
		t.Fatalf("idle connection closed after %v, before the %v deadline", took, shortDeadline)
	}
}

// TestWebSocketOutlivesReadTimeout: the whole-request deadline does not
// reach into WebSocket sessions (net/http clears deadlines on Hijack), so
// /ws/app/v1 keeps working well past it.
func TestWebSocketOutlivesReadTimeout(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, shortDeadlines)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.HTTPURL, "http")+"/ws/app/v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	end := time.Now().Add(5 * shortDeadline)
	for n := 0; time.Now().Before(end); n++ {
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"cmd":"ping"}`)); err != nil {
			t.Fatalf("ping %d: %v", n, err)
		}
		_, b, err := ws.Read(ctx)
		if err != nil || !strings.Contains(string(b), "pong") {
			t.Fatalf("ping %d after %v: %q %v", n, time.Since(end.Add(-5*shortDeadline)), b, err)
		}
		time.Sleep(shortDeadline / 3)
	}
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\r\n")
	return s
}
