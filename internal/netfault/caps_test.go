package netfault_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// TestMQTTPerAddressCap: an address holding its cap of connections has
// the next one closed before CONNACK (counted); once one of its
// connections closes, a real device from that address connects.
func TestMQTTPerAddressCap(t *testing.T) {
	t.Parallel()
	f := newLampFixture(t, func(c *server.Config) { c.MQTTLimits.MaxConnsPerAddr = 2 })
	d := f.device(t, "aa0000000002")
	first := dialRaw(t, f.srv.MQTTAddr)
	dialRaw(t, f.srv.MQTTAddr)
	testserver.Eventually(t, closeWithin, func() error {
		over := dialRaw(t, f.srv.MQTTAddr)
		over.Write(mqttConnect(d.DID, d.Passcode))
		if got, _ := waitClosed(t, over, closeWithin); len(got) != 0 {
			return fmt.Errorf("connection over the cap got %x, want a close before CONNACK", got)
		}
		return nil
	})
	if n := f.srv.Metric(t, `switchboard_connections_refused_total{listener="mqtt",reason="per_address"}`); n < 1 {
		t.Fatalf("per_address refusals %v", n)
	}
	first.Close()
	testserver.Eventually(t, closeWithin, func() error {
		_, err := connectDevice(t, f.srv.MQTTAddr, d, nil)
		return err
	})
}

// TestHTTPCaps: over the per-address cap a connection is answered 503
// with the Gizwits body (9041) before anything is read; over the total cap
// it is just closed. Both are counted.
func TestHTTPCaps(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, func(c *server.Config) { c.HTTPLimits.MaxConnsPerAddr = 2 })
	addr := strings.TrimPrefix(srv.HTTPURL, "http://")
	dialRaw(t, addr)
	held := dialRaw(t, addr)
	over := dialRaw(t, addr)
	io.WriteString(over, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(over), nil)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		ErrorCode     int    `json:"error_code"`
		ErrorMessage  string `json:"error_message"`
		DetailMessage string `json:"detail_message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 503 || body.ErrorCode != 9041 || body.DetailMessage == "" {
		t.Fatalf("over the cap: %d %+v", resp.StatusCode, body)
	}
	waitClosed(t, over, closeWithin)
	held.Close() // frees a slot for the metrics request
	testserver.Eventually(t, closeWithin, func() error {
		if n, err := metric(srv.HTTPURL, `switchboard_connections_refused_total{listener="http",reason="per_address"}`); err != nil || n < 1 {
			// More than 1 when this very request came before the held
			// connection's slot was freed.
			return fmt.Errorf("per_address refusals %v, want 1 or more (%v)", n, err)
		}
		return nil
	})

	total := testserver.Start(t, func(c *server.Config) { c.HTTPLimits.MaxConns = 2 })
	addr = strings.TrimPrefix(total.HTTPURL, "http://")
	dialRaw(t, addr)
	held = dialRaw(t, addr)
	testserver.Eventually(t, closeWithin, func() error {
		c := dialRaw(t, addr)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if got, _ := waitClosed(t, c, closeWithin); len(got) != 0 {
			return fmt.Errorf("over the total cap got %q, want a plain close", got)
		}
		return nil
	})
	held.Close()
	testserver.Eventually(t, closeWithin, func() error {
		if n, err := metric(total.HTTPURL, `switchboard_connections_refused_total{listener="http",reason="total"}`); err != nil || n < 1 {
			return fmt.Errorf("total refusals %v (%v)", n, err)
		}
		return nil
	})
}
