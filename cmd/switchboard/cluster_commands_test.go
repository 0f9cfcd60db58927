package main_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

// clusterToken is the admin token every node of a test cluster shares.
const clusterToken = "cluster-test-admin-token-0123456789"

// startCluster starts n real node processes on one PostgreSQL schema and
// one NATS server.
func startCluster(t *testing.T, n int, extra ...string) []*node {
	t.Helper()
	pgURL := pgtest.SchemaURL(t)
	nats := natstest.Start(t)
	flags := append([]string{"--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--store", pgURL,
		"--bus", nats.URL(), "--admin-token", clusterToken}, extra...)
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = startServe(t, nil, flags...)
	}
	return nodes
}

// rawDevice is a device on MQTT whose every downlink is collected, so a
// test can answer as a device would and see exactly what reached it.
type rawDevice struct {
	did    string
	client paho.Client
	down   chan paho.Message
}

func connectRawDevice(t *testing.T, addr, did, passcode string) *rawDevice {
	t.Helper()
	d := &rawDevice{did: did, down: make(chan paho.Message, 64)}
	o := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(did).SetUsername(did).
		SetPassword(passcode).SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false)
	d.client = paho.NewClient(o)
	if tk := d.client.Connect(); !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		t.Fatalf("device connect to %s: %v", addr, tk.Error())
	}
	t.Cleanup(func() { d.client.Disconnect(0) })
	tk := d.client.Subscribe("app2dev/"+did+"/#", 1, func(_ paho.Client, m paho.Message) { d.down <- m })
	if !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		t.Fatalf("device subscribe: %v", tk.Error())
	}
	return d
}

// next is the next downlink: its client id (the topic's last level) and
// its frame.
func (d *rawDevice) next(t *testing.T) (string, p0.Frame) {
	t.Helper()
	select {
	case m := <-d.down:
		f, err := p0.Decode(m.Payload())
		if err != nil {
			t.Fatalf("downlink %x on %s: %v", m.Payload(), m.Topic(), err)
		}
		return strings.TrimPrefix(m.Topic(), "app2dev/"+d.did+"/"), f
	case <-time.After(15 * time.Second):
		t.Fatal("no downlink reached the device")
	}
	return "", p0.Frame{}
}

// publish sends a frame on dev2app/<did>, or dev2app/<did>/<clientID> to
// answer one app session.
func (d *rawDevice) publish(t *testing.T, clientID string, f p0.Frame) {
	t.Helper()
	topic := "dev2app/" + d.did
	if clientID != "" {
		topic += "/" + clientID
	}
	if tk := d.client.Publish(topic, 1, false, p0.Append(nil, f)); !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
		t.Fatalf("device publish: %v", tk.Error())
	}
}

// expect waits for the first frame from index from on that matches, and
// returns it with the index after it.
func (s *appSession) expect(t *testing.T, from int, what string, match func(m map[string]any) bool) (map[string]any, int) {
	t.Helper()
	var got map[string]any
	next := from
	waitFor(t, 15*time.Second, func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i := from; i < len(s.msgs); i++ {
			if match(s.msgs[i]) {
				got, next = s.msgs[i], i+1
				return nil
			}
		}
		return fmt.Errorf("the app on the other node has not received %s; got %v", what, s.msgs[from:])
	})
	return got, next
}

func cmdIs(cmd string, and ...func(d map[string]any) bool) func(map[string]any) bool {
	return func(m map[string]any) bool {
		if m["cmd"] != cmd {
			return false
		}
		d, _ := m["data"].(map[string]any)
		for _, f := range and {
			if !f(d) {
				return false
			}
		}
		return true
	}
}

// lampPayload is a demo-lamp status with the given action and LED_R.
func lampPayload(action, ledR byte) []byte {
	return []byte{action, 0x01, ledR, 0, 5, 0x01, 60, 40, 0, 0}
}

// writesLEDR reports whether payload is a demo-lamp write of LED_R only,
// with the value v.
func writesLEDR(t *testing.T, payload []byte, v uint64) bool {
	t.Helper()
	schemaJSON, err := os.ReadFile("../../examples/products/demo-lamp.json")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := datapoint.ParseProduct(schemaJSON)
	if err != nil {
		t.Fatal(err)
	}
	s, err := datapoint.Compile(prod)
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMessage(datapoint.ActionWrite)
	if err := s.Decode(payload, m); err != nil {
		t.Fatalf("write payload %x: %v", payload, err)
	}
	for i, f := range s.Fields() {
		if m.Present[i] != (f.Name == "LED_R") || (f.Name == "LED_R" && m.Values[i].Raw != v) {
			return false
		}
	}
	return m.Action == datapoint.ActionWrite
}

// TestClusterEveryAppCommand runs every /ws/app/v1 command with the device
// on one node process and the app on another (PostgreSQL and NATS between
// them): login, subscribe, ping, reads and writes with and without req_sn
// (replies routed to the asking session by its client id across nodes),
// raw frames both ways, a device 0x0093 acknowledged by c2s_ack, binding
// changes made on the device's node, and a token revocation made there,
// which ends the session on the app's node.
func TestClusterEveryAppCommand(t *testing.T) {
	nodes := startCluster(t, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	admin := adminclient.New(a.httpURL, clusterToken)
	l := newLamp(t, admin, "cluster app", "0a0b0c0d0e10")
	prod, app, dev := l.prod, l.app, l.dev
	user := signUp(t, a.httpURL, app.AppID, "dave")
	bind := func(base, did, passcode string) { t.Helper(); user.bind(t, base, app.AppID, did, passcode) }
	bind(a.httpURL, dev.DID, dev.Passcode)
	d := connectRawDevice(t, a.mqttAddr(t), dev.DID, dev.Passcode)
	didIs := func(dd map[string]any) bool { return dd["did"] == dev.DID }

	// login_req and subscribe_req on node B.
	s := openAppWith(t, b.httpURL, app.AppID, user.UID, user.Token, false)
	at := 0
	login, at := s.expect(t, at, "login_res", cmdIs("login_res"))
	if ld, _ := login["data"].(map[string]any); ld["success"] != true {
		t.Fatalf("login_res %v", login)
	}
	s.send(t, map[string]any{"cmd": "subscribe_req", "data": []any{map[string]any{"did": dev.DID}}})
	s.expect(t, at, "subscribe_res naming the device", cmdIs("subscribe_res", func(dd map[string]any) bool {
		ok, _ := dd["success"].([]any)
		return len(ok) == 1 && ok[0].(map[string]any)["did"] == dev.DID
	}))
	_, at = s.expect(t, at, "the device online", onlineStatus(dev.DID, true))

	// ping → pong.
	s.send(t, map[string]any{"cmd": "ping"})
	_, at = s.expect(t, at, "pong", cmdIs("pong"))

	// c2s_read with req_sn: a 0x0093 to the device on node A, whose 0x0094
	// answer goes back to this session only, as s2c_noti with res_sn.
	s.send(t, map[string]any{"cmd": "c2s_read", "data": map[string]any{"did": dev.DID}, "req_sn": 9})
	clientID, f := d.next(t)
	if f.Cmd != p0.CmdWithSN || f.SN != 9 || clientID == "" {
		t.Fatalf("read reached the device as cmd %#04x sn %d client %q", f.Cmd, f.SN, clientID)
	}
	d.publish(t, clientID, p0.Frame{Cmd: p0.CmdAckSN, SN: 9, Payload: lampPayload(0x03, 33)})
	_, at = s.expect(t, at, "the read reply with res_sn 9", func(m map[string]any) bool {
		dd, _ := m["data"].(map[string]any)
		attrs, _ := dd["attrs"].(map[string]any)
		return m["cmd"] == "s2c_noti" && m["res_sn"] == 9.0 && attrs["LED_R"] == 33.0
	})

	// c2s_write without req_sn: a 0x0090 with the written value.
	s.send(t, map[string]any{"cmd": "c2s_write", "data": map[string]any{"did": dev.DID, "attrs": map[string]any{"LED_R": 12}}})
	if _, f := d.next(t); f.Cmd != p0.CmdAppToDevice || !writesLEDR(t, f.Payload, 12) {
		t.Fatalf("write reached the device as cmd %#04x payload %x", f.Cmd, f.Payload)
	}
	// c2s_write with req_sn: the device's empty 0x0094 is this session's s2c_ack.
	s.send(t, map[string]any{"cmd": "c2s_write", "data": map[string]any{"did": dev.DID, "attrs": map[string]any{"LED_R": 13}}, "req_sn": 7})
	clientID, f = d.next(t)
	if f.Cmd != p0.CmdWithSN || f.SN != 7 {
		t.Fatalf("write with req_sn reached the device as cmd %#04x sn %d", f.Cmd, f.SN)
	}
	d.publish(t, clientID, p0.Frame{Cmd: p0.CmdAckSN, SN: 7})
	_, at = s.expect(t, at, "s2c_ack with res_sn 7", func(m map[string]any) bool {
		return m["cmd"] == "s2c_ack" && m["res_sn"] == 7.0
	})

	// c2s_raw: the very frame reaches the device; transparent data back is s2c_raw.
	raw := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x05, 0xca, 0xfe}})
	ints := make([]int, len(raw))
	for i, v := range raw {
		ints[i] = int(v)
	}
	s.send(t, map[string]any{"cmd": "c2s_raw", "data": map[string]any{"did": dev.DID, "raw": ints}})
	if _, f := d.next(t); !bytes.Equal(p0.Append(nil, f), raw) {
		t.Fatalf("raw frame reached the device as %x, want %x", p0.Append(nil, f), raw)
	}
	d.publish(t, "", p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: []byte{0x06, 0xbe, 0xef}})
	_, at = s.expect(t, at, "s2c_raw", cmdIs("s2c_raw", didIs))

	// A device 0x0093 report: s2c_noti with req_sn; c2s_ack sends the
	// device a 0x0094 with that sn, addressed to this session.
	d.publish(t, "", p0.Frame{Cmd: p0.CmdWithSN, SN: 77, Payload: lampPayload(0x04, 44)})
	_, at = s.expect(t, at, "s2c_noti with req_sn 77", func(m map[string]any) bool {
		return m["cmd"] == "s2c_noti" && m["req_sn"] == 77.0
	})
	s.send(t, map[string]any{"cmd": "c2s_ack", "data": map[string]any{"did": dev.DID}, "res_sn": 77})
	if clientID, f := d.next(t); f.Cmd != p0.CmdAckSN || f.SN != 77 || clientID == "" {
		t.Fatalf("c2s_ack reached the device as cmd %#04x sn %d client %q", f.Cmd, f.SN, clientID)
	}

	// Binding changes made on node A reach the session on node B.
	other, err := admin.RegisterDevice(ctx, prod.ProductKey, "0a0b0c0d0e11", "")
	if err != nil {
		t.Fatal(err)
	}
	bind(a.httpURL, other.DID, other.Passcode)
	_, at = s.expect(t, at, "s2c_binding_changed bind true", cmdIs("s2c_binding_changed", func(dd map[string]any) bool {
		return dd["did"] == other.DID && dd["bind"] == true
	}))
	gizwits(t, a.httpURL, http.MethodDelete, "/app/bindings", app.AppID, user.Token,
		fmt.Sprintf(`{"devices":[{"did":%q}]}`, dev.DID), &struct{}{})
	_, at = s.expect(t, at, "s2c_binding_changed bind false", cmdIs("s2c_binding_changed", func(dd map[string]any) bool {
		return dd["did"] == dev.DID && dd["bind"] == false
	}))
	// The unbound device's reports no longer reach the session.
	d.publish(t, "", p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: lampPayload(0x04, 55)})
	s.send(t, map[string]any{"cmd": "c2s_write", "data": map[string]any{"did": dev.DID, "attrs": map[string]any{"LED_R": 1}}})
	_, at = s.expect(t, at, "9017 for a write to the unbound device", cmdIs("s2c_invalid_msg", func(dd map[string]any) bool {
		return dd["error_code"] == 9017.0
	}))

	// Revoking the user's tokens on node A logs the session on node B out.
	if _, err := admin.RevokeUserTokens(ctx, user.UID); err != nil {
		t.Fatal(err)
	}
	s.expect(t, at, "s2c_invalid_msg 9004 after the revocation", cmdIs("s2c_invalid_msg", func(dd map[string]any) bool {
		return dd["error_code"] == 9004.0
	}))
	if n := s.count(func(m map[string]any) bool {
		dd, _ := m["data"].(map[string]any)
		attrs, _ := dd["attrs"].(map[string]any)
		return m["cmd"] == "s2c_noti" && attrs["LED_R"] == 55.0
	}); n != 0 {
		t.Fatalf("a report of the unbound device reached the session %d times", n)
	}
}
