package main_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/client/interconnect"
)

// nextOf returns the next event of type typ, failing after d.
func nextOf(t *testing.T, ch <-chan interconnect.Event, d time.Duration, typ string) interconnect.Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatalf("events ended before a %s event", typ)
			}
			if e.Type == typ {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within %v", typ, d)
		}
	}
}

// TestClusterRelaySurvivesNodeKill runs two real node processes on one
// PostgreSQL and one NATS: a watch app on node A, its phone app on node B.
// The pair opens and messages cross the nodes both ways; node A is killed
// with SIGKILL, and the phone app learns that the watch left within three
// relay heartbeats; the watch app reconnects to node B and the pair works
// again.
func TestClusterRelaySurvivesNodeKill(t *testing.T) {
	nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	const token = clusterToken
	ctx := context.Background()

	admin := adminclient.New(a.httpURL, token)
	l := newLamp(t, admin, "relay cluster app", "0a0b0c0d0e1f")
	app, dev := l.app, l.dev
	user := signUp(t, b.httpURL, app.AppID, "dora")
	user.bind(t, b.httpURL, app.AppID, dev.DID, dev.Passcode)
	cert, err := os.ReadFile("../../relay/testdata/xms-demo-cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	wsURL := func(n *node) string { return "ws" + strings.TrimPrefix(n.httpURL, "http") + "/ws/interconnect/v1" }
	const pkg = "com.example.cluster"
	dialCtx := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 15*time.Second)
		t.Cleanup(cancel)
		return c
	}
	dialWatch := func(n *node) *interconnect.Watch {
		t.Helper()
		w, err := interconnect.DialWatch(dialCtx(), interconnect.Config{URL: wsURL(n), Package: pkg, Certificate: cert,
			DID: dev.DID, Passcode: dev.Passcode})
		if err != nil {
			t.Fatalf("DialWatch: %v", err)
		}
		t.Cleanup(func() { w.CloseNow() })
		return w
	}

	phone, err := interconnect.DialPhone(dialCtx(), interconnect.Config{URL: wsURL(b), Package: pkg, Certificate: cert,
		AppID: app.AppID, Token: user.Token})
	if err != nil {
		t.Fatalf("DialPhone: %v", err)
	}
	defer phone.CloseNow()
	if _, err := phone.RequestPermissions(dialCtx(), dev.DID, interconnect.PermDeviceManager); err != nil {
		t.Fatal(err)
	}
	if err := phone.Listen(dialCtx(), dev.DID); err != nil {
		t.Fatal(err)
	}
	watch := dialWatch(a)
	nextOf(t, watch.Events(), 15*time.Second, "open")
	if e := nextOf(t, phone.Events(), 15*time.Second, "node"); e.Node != dev.DID || !e.Connected {
		t.Fatalf("phone event %+v, want the watch connected", e)
	}
	if err := watch.Send(dialCtx(), `{"from":"watch"}`); err != nil {
		t.Fatal(err)
	}
	if e := nextOf(t, phone.Events(), 15*time.Second, "message"); e.Data != `{"from":"watch"}` {
		t.Fatalf("phone got %+v", e)
	}
	if err := phone.SendMessage(dialCtx(), dev.DID, []byte("from phone")); err != nil {
		t.Fatal(err)
	}
	if e := nextOf(t, watch.Events(), 15*time.Second, "message"); e.Data != "from phone" {
		t.Fatalf("watch got %+v", e)
	}

	// Node A dies: no close, no goodbye.
	killed := time.Now()
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	if e := nextOf(t, phone.Events(), 40*time.Second, "node"); e.Node != dev.DID || e.Connected {
		t.Fatalf("phone event %+v, want the watch gone", e)
	}
	t.Logf("the watch's leave seen %s after SIGKILL (heartbeat 5s)", time.Since(killed).Round(100*time.Millisecond))
	if err := phone.SendMessage(dialCtx(), dev.DID, []byte("to nobody")); err == nil {
		t.Fatal("a send to the watch of the dead node succeeded")
	}

	// The watch app reconnects to the surviving node.
	watch = dialWatch(b)
	nextOf(t, watch.Events(), 15*time.Second, "open")
	if e := nextOf(t, phone.Events(), 15*time.Second, "node"); !e.Connected {
		t.Fatalf("phone event %+v, want the watch back", e)
	}
	if err := watch.Send(dialCtx(), `"back"`); err != nil {
		t.Fatal(err)
	}
	if e := nextOf(t, phone.Events(), 15*time.Second, "message"); e.Data != `"back"` {
		t.Fatalf("phone got %+v", e)
	}
}
