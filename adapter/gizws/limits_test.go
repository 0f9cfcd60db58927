package gizws_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// TestMessageSize: a message up to 64 KiB is read; a larger one ends the
// connection with close code 1009 (message too big).
func TestMessageSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.dial(t)
	pad := func(n int) string { return `{"cmd":"ping","pad":"` + strings.Repeat("x", n) + `"}` }
	c.sendText(pad(60 << 10))
	c.expect("pong")
	c.sendText(pad(65 << 10))
	if code := c.waitClosed(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close status %v, want 1009", code)
	}
}

// TestOrigin: only allow-listed browser origins may upgrade; clients that
// send no Origin (apps, scripts) always may.
func TestOrigin(t *testing.T) {
	t.Parallel()
	srv := testserver.Start(t, func(c *server.Config) { c.AllowedOrigins = []string{"https://good.example"} })
	url := "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/app/v1"
	good := dialURL(t, url, dialOpts{origin: "https://good.example"})
	good.send("ping", nil)
	good.expect("pong")
	dialURL(t, url, dialOpts{}).close()

	for _, origin := range []string{"https://evil.example", "http://good.example"} {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
		cancel()
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("origin %s: err %v, resp %v", origin, err, resp)
		}
	}
}

// TestStalledReader: a client that never reads while its device sends
// fast is disconnected (queue full, or a write timed out), and a second client of the same device
// keeps receiving everything meanwhile. The device sends large transparent
// frames so the kernel's socket buffers fill after hundreds of messages,
// not tens of thousands. Everything is asserted by counts: the healthy
// client must get exactly the frames sent.
func TestStalledReader(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, token := f.user(t)
	dev := f.mqttDevice(t, uid)
	stalled := dialURL(t, f.wsURL, dialOpts{noReader: true, rcvBuf: 4096})
	stalled.send("login_req", map[string]any{"appid": f.appID, "uid": uid, "token": token, "p0_type": "custom", "auto_subscribe": true})
	testserver.Eventually(t, waitFor, func() error {
		if n := f.node().AppSessions(dev.did); n != 1 {
			return fmt.Errorf("app count %d", n)
		}
		return nil
	})
	uid2, token2 := f.user(t)
	if _, err := f.node().BindDevice(context.Background(), uid2, dev.did, "HANDPASS01", bindOpts); err != nil {
		t.Fatal(err)
	}
	healthy := f.dial(t)
	healthy.login(f.appID, uid2, token2, loginOpts{})
	healthy.subscribe(dev.did)
	healthy.expect("s2c_online_status")

	// 0x0091, action 0x06 (transparent data from the device), 8 KiB.
	payload := append([]byte{datapoint.ActionTransparentFromDevice}, make([]byte, 8<<10)...)
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload})
	drops := func() float64 { return f.srv.Metric(t, `switchboard_queue_drops_total{adapter="ws"}`) }
	const batch = 20
	start := time.Now()
	sent := 0
	for drops() == 0 {
		if sent > 20_000 {
			t.Fatalf("stalled client not dropped after %d frames", sent)
		}
		for range batch {
			dev.publish(t, frame)
		}
		sent += batch
		for range batch {
			if m := healthy.expect("s2c_raw"); m.str(t, "did") != dev.did {
				t.Fatalf("got %s", m)
			}
		}
	}
	t.Logf("stalled client dropped after %d frames (%v)", sent, time.Since(start))
	testserver.Eventually(t, waitFor, func() error {
		if n := f.node().AppSessions(dev.did); n != 1 {
			return fmt.Errorf("app count %d, want 1 once the stalled session is gone", n)
		}
		return nil
	})
	// On a quick machine the queue fills; on a loaded one a write may time
	// out first. Either way the session is dropped for not reading.
	if !f.srv.Log.Contains("ws session closed", "send queue full") && !f.srv.Log.Contains("ws session closed", "client not reading: write timed out") {
		t.Error("no log line for the dropped session")
	}
	// The healthy one is still fine.
	dev.publish(t, frame)
	healthy.expect("s2c_raw")
	healthy.ensureQuiet()
}
