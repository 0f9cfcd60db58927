package netfault_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

func withTLS(c *server.Config) { c.HTTPSAddr, c.MQTTSAddr = "127.0.0.1:0", "127.0.0.1:0" }

// TestMQTTSHandshakeBoundedByConnectDeadline: on the MQTTS port a
// connection that never starts its TLS handshake, and one that completes
// it but sends no CONNECT, are both closed at the CONNECT deadline and
// counted as no_connect on the mqtts listener.
func TestMQTTSHandshakeBoundedByConnectDeadline(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, shortDeadlines, withTLS)
	addr := srv.MQTTSAddr().String()
	silent := dialRaw(t, addr)
	tlsConn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tlsConn.Close() })

	got, took := waitClosed(t, silent, closeWithin)
	if len(got) != 0 || took < shortDeadline/2 {
		t.Fatalf("silent TLS connection: read %q, closed after %v (deadline %v)", got, took, shortDeadline)
	}
	_ = tlsConn.SetReadDeadline(time.Now().Add(closeWithin))
	if n, err := io.Copy(io.Discard, tlsConn); n != 0 || (err != nil && isTimeout(err)) {
		t.Fatalf("handshaken connection without CONNECT: read %d bytes, err %v; want closed", n, err)
	}
	testserver.Eventually(t, closeWithin, func() error {
		if n := srv.Metric(t, `switchboard_connections_refused_total{listener="mqtts",reason="no_connect"}`); n != 2 {
			return fmt.Errorf("mqtts no_connect refusals %v, want 2", n)
		}
		return nil
	})
}

// TestHTTPSHandshakeBounded: a connection to the HTTPS port that never
// starts its TLS handshake is closed at the header deadline.
func TestHTTPSHandshakeBounded(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, shortDeadlines, withTLS)
	c := dialRaw(t, srv.HTTPSAddr().String())
	got, took := waitClosed(t, c, closeWithin)
	if len(got) != 0 || took < shortDeadline/2 {
		t.Fatalf("silent HTTPS connection: read %q, closed after %v (deadline %v)", got, took, shortDeadline)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
