package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	aqc "github.com/switchboard-iot/switchboard/client/aqara"
)

var mqttStartedRe = regexp.MustCompile(`msg="switchboard started" http=\S+ mqtt=(\S+)`)

func (n *node) mqttAddr(t *testing.T) string {
	t.Helper()
	m := mqttStartedRe.FindStringSubmatch(n.stderr.String())
	if m == nil {
		t.Fatalf("no MQTT address in the started line:\n%s", n.stderr)
	}
	return m[1]
}

// appSession is a Gizwits app on /ws/app/v1 whose frames are collected.
type appSession struct {
	conn *websocket.Conn
	mu   sync.Mutex
	msgs []map[string]any
}

func openApp(t *testing.T, httpURL, appID, uid, token string) *appSession {
	t.Helper()
	return openAppWith(t, httpURL, appID, uid, token, true)
}

// openAppWith logs in with auto_subscribe as given.
func openAppWith(t *testing.T, httpURL, appID, uid, token string, autoSubscribe bool) *appSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(httpURL, "http")+"/ws/app/v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	s := &appSession{conn: conn}
	go func() {
		for {
			_, b, err := conn.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				s.mu.Lock()
				s.msgs = append(s.msgs, m)
				s.mu.Unlock()
			}
		}
	}()
	s.send(t, map[string]any{"cmd": "login_req", "data": map[string]any{
		"appid": appID, "uid": uid, "token": token, "p0_type": "attrs_v4", "heartbeat_interval": 180, "auto_subscribe": autoSubscribe}})
	return s
}

func (s *appSession) send(t *testing.T, m map[string]any) {
	t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
}

// count is how many frames so far match.
func (s *appSession) count(match func(m map[string]any) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.msgs {
		if match(m) {
			n++
		}
	}
	return n
}

func onlineStatus(did string, online bool) func(map[string]any) bool {
	return func(m map[string]any) bool {
		d, _ := m["data"].(map[string]any)
		return m["cmd"] == "s2c_online_status" && d["did"] == did && d["online"] == online
	}
}

// TestClusterSurvivesNodeKill runs two real node processes on one
// PostgreSQL and one NATS: a device on node A, an app on node B. Commands,
// reports and online state cross the nodes; node A is killed with SIGKILL;
// the app sees the device go offline within the node lease, and online
// again when the device reconnects to node B; nothing acknowledged is lost.
func TestClusterSurvivesNodeKill(t *testing.T) {
	nodes := startCluster(t, 2, "--node-lease", "2s")
	a, b := nodes[0], nodes[1]
	const token = clusterToken
	ctx := context.Background()

	admin := adminclient.New(a.httpURL, token)
	l := newLamp(t, admin, "cluster app", "0a0b0c0d0e0f")
	app, dev := l.app, l.dev
	// The user signs up and binds on node B, the node created everything.
	user := signUp(t, b.httpURL, app.AppID, "carol")
	user.bind(t, b.httpURL, app.AppID, dev.DID, dev.Passcode)

	// A partner, created on node A, subscribed through node B: both nodes
	// run delivery lanes for it, so every push is claimed by one of them.
	var pushMu sync.Mutex
	deliveries := map[string]int{} // msgId -> times delivered
	rc := &aqc.Receiver{OnPush: func(p aqc.Push) {
		if bytes.Contains(p.Data, []byte(`"resource_report"`)) {
			pushMu.Lock()
			deliveries[p.MsgID]++
			pushMu.Unlock()
		}
	}}
	recv := httptest.NewServer(rc)
	t.Cleanup(recv.Close)
	partner, err := admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "acme", PushURL: recv.URL, PushSign: true, UserAppID: app.AppID})
	if err != nil {
		t.Fatal(err)
	}
	rc.AppSecret = partner.PushAppSecret
	api := partnerAPI(t, b.httpURL, admin, partner, "carol")
	if err := api.Call(ctx, "config.resource.subscribe", map[string]any{"resources": []any{
		map[string]any{"subjectId": dev.DID, "resourceIds": []string{"LED_R"}}}}, nil); err != nil {
		t.Fatal(err)
	}

	// The device on node A, receiving commands.
	downlinks := make(chan []byte, 16)
	connect := func(addr string) paho.Client {
		o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(dev.DID).SetUsername(dev.DID).
			SetPassword(dev.Passcode).SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false)
		c := paho.NewClient(o)
		if tk := c.Connect(); !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
			t.Fatalf("device connect to %s: %v", addr, tk.Error())
		}
		tk := c.Subscribe("app2dev/"+dev.DID+"/#", 1, func(_ paho.Client, m paho.Message) { downlinks <- m.Payload() })
		if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
			t.Fatalf("device subscribe: %v", tk.Error())
		}
		return c
	}
	devA := connect(a.mqttAddr(t))
	defer devA.Disconnect(0)

	// The app on node B sees it online, controls it, and gets its report.
	appB := openApp(t, b.httpURL, app.AppID, user.UID, user.Token)
	waitFor(t, 20*time.Second, func() error {
		if appB.count(onlineStatus(dev.DID, true)) == 0 {
			return fmt.Errorf("app on node B has not seen the device on node A online")
		}
		return nil
	})
	// The device on node A counts the app on node B (cli2ser_req 0x020F).
	counter := newAppCounter(t, devA, dev.DID)
	waitFor(t, 10*time.Second, func() error { return counter.is(1) })
	write := func() {
		t.Helper()
		appB.send(t, map[string]any{"cmd": "c2s_write", "data": map[string]any{"did": dev.DID, "attrs": map[string]any{"LED_OnOff": true}}})
		select {
		case <-downlinks:
		case <-time.After(15 * time.Second):
			t.Fatal("the app's write did not reach the device on the other node")
		}
	}
	write()
	// The subscription was made on node B; node A learns of it over the bus,
	// a moment later. Until a report of node A is pushed, it has not yet.
	waitFor(t, 15*time.Second, func() error {
		devA.Publish("dev2app/"+dev.DID, 1, false, lampReport(byte(time.Now().UnixNano()%50))).WaitTimeout(5 * time.Second)
		pushMu.Lock()
		defer pushMu.Unlock()
		if len(deliveries) == 0 {
			return fmt.Errorf("node A does not push for the subscription made on node B yet")
		}
		return nil
	})
	pushMu.Lock()
	clear(deliveries)
	pushMu.Unlock()
	// Reports acknowledged on node A (QoS 1): each changes LED_R, so each is
	// a push; the last one is 77.
	const reports = 20
	for r := range reports {
		if tk := devA.Publish("dev2app/"+dev.DID, 1, false, lampReport(byte(58+r))); !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
			t.Fatalf("report: %v", tk.Error())
		}
	}
	waitFor(t, 30*time.Second, func() error {
		pushMu.Lock()
		defer pushMu.Unlock()
		if len(deliveries) < reports {
			return fmt.Errorf("%d of %d report pushes delivered", len(deliveries), reports)
		}
		return nil
	})
	waitFor(t, 15*time.Second, func() error {
		if appB.count(func(m map[string]any) bool {
			d, _ := m["data"].(map[string]any)
			attrs, _ := d["attrs"].(map[string]any)
			return m["cmd"] == "s2c_noti" && attrs["LED_R"] == 77.0
		}) == 0 {
			return fmt.Errorf("the device's report on node A did not reach the app on node B")
		}
		return nil
	})

	// Node A dies mid-session.
	killed := time.Now()
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	waitFor(t, 30*time.Second, func() error {
		if appB.count(onlineStatus(dev.DID, false)) == 0 {
			return fmt.Errorf("app has not seen the device of the dead node go offline")
		}
		return nil
	})
	t.Logf("offline seen %s after SIGKILL (lease 2s)", time.Since(killed).Round(100*time.Millisecond))

	// The device reconnects to the surviving node.
	devB := connect(b.mqttAddr(t))
	defer devB.Disconnect(0)
	waitFor(t, 20*time.Second, func() error {
		if appB.count(onlineStatus(dev.DID, true)) < 2 {
			return fmt.Errorf("app has not seen the device online again on node B")
		}
		return nil
	})
	write()

	// Nothing acknowledged was lost: the binding and the reported state.
	var list struct{ Devices []struct{ DID string } }
	gizwits(t, b.httpURL, http.MethodGet, "/app/bindings", app.AppID, user.Token, "", &list)
	if len(list.Devices) != 1 || list.Devices[0].DID != dev.DID {
		t.Fatalf("bindings after the kill: %+v", list)
	}
	got, err := adminclient.New(b.httpURL, token).GetDevice(ctx, dev.DID)
	if err != nil {
		t.Fatal(err)
	}
	var attrs struct{ LED_R float64 }
	if err := json.Unmarshal(got.Attrs, &attrs); err != nil || attrs.LED_R != 77 || !got.IsOnline {
		t.Fatalf("device after the kill: online %v, attrs %s (%v)", got.IsOnline, got.Attrs, err)
	}
	// Two nodes delivered the partner's pushes, neither twice: the receiver
	// always answered success, so a second delivery could only come from a
	// second node attempting a push at once.
	pushMu.Lock()
	defer pushMu.Unlock()
	for id, n := range deliveries {
		if n != 1 {
			t.Errorf("push %s delivered %d times", id, n)
		}
	}
}
