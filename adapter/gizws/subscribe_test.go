package gizws_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizws"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestSubscribeRes: both arrays are always present; unbound, unknown and
// malformed entries fail with their codes; success is followed by each
// device's online status with both keys.
func TestSubscribeRes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bothP0(t, func(t *testing.T, p0 string) {
		mine, theirs := f.lamp(t), f.fan(t)
		c := f.dial(t)
		uid2, _ := f.user(t)
		f.bind(t, uid2, theirs)

		// All good: "failed" is an empty array, not missing.
		uid, token := f.user(t)
		f.bind(t, uid, mine)
		c.login(f.appID, uid, token, loginOpts{p0: p0})
		m := c.subscribe(mine.DID())
		if !strings.Contains(m.raw, `"failed":[]`) {
			t.Fatalf("no empty failed array: %s", m)
		}
		st := c.expect("s2c_online_status")
		checkOnline(t, st, mine.DID(), mine.Passcode(), true)

		c.sendText(`{"cmd":"subscribe_req","data":[{"did":"` + theirs.DID() + `"},{"did":"nosuchdevice0000000000"},{"x":1},7,{"did":"` + mine.DID() + `"}]}`)
		m = c.expect("subscribe_res")
		var ok, failed []struct {
			DID  string `json:"did"`
			Code int    `json:"error_code"`
			Msg  string `json:"msg"`
		}
		m.field(t, "success", &ok)
		m.field(t, "failed", &failed)
		if len(ok) != 1 || ok[0].DID != mine.DID() || ok[0].Code != 0 {
			t.Fatalf("success %+v", ok)
		}
		want := []int{9017, 9017, 1004, 1004}
		if len(failed) != len(want) {
			t.Fatalf("failed %+v", failed)
		}
		for i, w := range want {
			if failed[i].Code != w || failed[i].Msg == "" {
				t.Errorf("failed[%d] = %+v, want code %d", i, failed[i], w)
			}
		}
		if failed[0].DID != theirs.DID() {
			t.Errorf("failed[0] did %q", failed[0].DID)
		}
		// Subscribing again sends the status again.
		checkOnline(t, c.expect("s2c_online_status"), mine.DID(), mine.Passcode(), true)

		// Empty request: both arrays empty.
		c.send("subscribe_req", []any{})
		if m := c.expect("subscribe_res"); !strings.Contains(m.raw, `"success":[]`) || !strings.Contains(m.raw, `"failed":[]`) {
			t.Fatalf("empty subscribe_res %s", m)
		}
	})
}

func checkOnline(t *testing.T, m msg, did, passcode string, online bool) {
	t.Helper()
	var on, isOn bool
	m.field(t, "online", &on)
	m.field(t, "is_online", &isOn)
	if m.str(t, "did") != did || on != online || isOn != online || m.str(t, "mac") == "" {
		t.Fatalf("want did %s online %v: %s", did, online, m)
	}
	if passcode != "" && m.str(t, "passcode") != passcode {
		t.Fatalf("passcode: %s", m)
	}
}

// TestOnlineStatus: a subscribed device's connect and disconnect reach the
// session, with online and is_online.
func TestOnlineStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bothP0(t, func(t *testing.T, p0 string) {
		mac := f.mac()
		d, err := f.srv.Admin.RegisterDevice(context.Background(), f.lampKey, mac, "PASSCODEXY")
		if err != nil {
			t.Fatal(err)
		}
		uid, token := f.user(t)
		if _, err := f.node().BindDevice(context.Background(), uid, d.DID, d.Passcode, bindOpts); err != nil {
			t.Fatal(err)
		}
		c := f.dial(t)
		c.login(f.appID, uid, token, loginOpts{p0: p0})
		c.subscribe(d.DID)
		checkOnline(t, c.expect("s2c_online_status"), d.DID, "PASSCODEXY", false)

		dev := f.srv.StartDevice(t, f.lampKey, f.lampSchema, mac, withPasscode("PASSCODEXY"))
		if dev.DID() != d.DID {
			t.Fatalf("devsim got did %s, want %s", dev.DID(), d.DID)
		}
		checkOnline(t, c.expect("s2c_online_status", "s2c_noti", "s2c_raw"), d.DID, "PASSCODEXY", true)
		dev.Stop()
		checkOnline(t, c.expect("s2c_online_status", "s2c_noti", "s2c_raw"), d.DID, "PASSCODEXY", false)
	})
}

// TestAutoSubscribe: auto_subscribe (the default) subscribes every bound
// device without subscribe_res and sends their statuses; devices bound
// later are subscribed too.
func TestAutoSubscribe(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a, b := f.lamp(t), f.fan(t)
	uid, token := f.user(t)
	f.bind(t, uid, a)
	c := f.dial(t)
	c.send("login_req", map[string]any{"appid": f.appID, "uid": uid, "token": token, "p0_type": "attrs_v4", "heartbeat_interval": 600})
	c.expect("login_res")
	checkOnline(t, c.expect("s2c_online_status", "s2c_binding_changed"), a.DID(), a.Passcode(), true)

	f.bind(t, uid, b)
	bc := c.expect("s2c_binding_changed")
	if bc.str(t, "did") == a.DID() {
		bc = c.expect("s2c_binding_changed") // a's, announced after login
	}
	var bind bool
	bc.field(t, "bind", &bind)
	if !bind || bc.str(t, "did") != b.DID() {
		t.Fatalf("got %s", bc)
	}
	checkOnline(t, c.expect("s2c_online_status"), b.DID(), b.Passcode(), true)
	if err := b.Report(); err != nil {
		t.Fatal(err)
	}
	if m := c.expect("s2c_noti"); m.str(t, "did") != b.DID() {
		t.Fatalf("got %s", m)
	}
}

// TestBindingChanged: binds and unbinds made elsewhere reach the session;
// after the unbind nothing of the device does.
func TestBindingChanged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bothP0(t, func(t *testing.T, p0 string) {
		dev := f.lamp(t)
		uid, token := f.user(t)
		c := f.dial(t)
		c.login(f.appID, uid, token, loginOpts{p0: p0})
		f.bind(t, uid, dev)
		m := c.expect("s2c_binding_changed")
		var bind bool
		m.field(t, "bind", &bind)
		if !bind || m.str(t, "did") != dev.DID() {
			t.Fatalf("got %s", m)
		}
		c.subscribe(dev.DID())
		c.expect("s2c_online_status")

		// A witness session of another user stays subscribed.
		w, _ := f.session(t, "attrs_v4", dev)

		if err := f.node().Unbind(context.Background(), uid, dev.DID()); err != nil {
			t.Fatal(err)
		}
		m = c.expect("s2c_binding_changed")
		m.field(t, "bind", &bind)
		if bind || m.str(t, "did") != dev.DID() {
			t.Fatalf("got %s", m)
		}
		// Two reports: once the witness has the second, the dispatcher has
		// finished with the first for every session.
		for range 2 {
			if err := dev.Report(); err != nil {
				t.Fatal(err)
			}
			w.expect("s2c_noti")
		}
		c.ensureQuiet()
		if n := appCount(t, dev); n != 1 {
			t.Fatalf("app count %d after unbind, want 1", n)
		}
		// Commands on the device are refused now.
		c.send("c2s_raw", map[string]any{"did": dev.DID(), "raw": []int{0, 0, 0, 3, 4, 0, 0, 0x90, 5}})
		c.expectInvalid(9017)
	})
}

// TestSubscriptionLimit: entries beyond Limits.MaxSubscriptions fail with
// 1006.
func TestSubscriptionLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ws := f.customServer(t, func(o *gizws.Options) { o.Limits.MaxSubscriptions = 1 })
	a, b := f.lamp(t), f.fan(t)
	uid, token := f.user(t)
	f.bind(t, uid, a)
	f.bind(t, uid, b)
	c := dialURL(t, ws, dialOpts{})
	c.login(f.appID, uid, token, loginOpts{})
	c.send("subscribe_req", []map[string]string{{"did": a.DID()}, {"did": b.DID()}})
	m := c.expect("subscribe_res")
	var failed []struct {
		DID  string `json:"did"`
		Code int    `json:"error_code"`
	}
	m.field(t, "failed", &failed)
	if len(failed) != 1 || failed[0].DID != b.DID() || failed[0].Code != 1006 {
		t.Fatalf("got %s", m)
	}
	c.expect("s2c_online_status")
}

// appCount asks the server, as the device, how many apps watch it.
func appCount(t testing.TB, dev interface {
	RequestAppCount(context.Context) (int, error)
}) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	n, err := dev.RequestAppCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPresence: cli2ser_req 0x020F counts subscribed sessions, and a closed
// session stops counting.
func TestPresence(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dev := f.lamp(t)
	if n := appCount(t, dev); n != 0 {
		t.Fatalf("app count %d, want 0", n)
	}
	a, _ := f.session(t, "attrs_v4", dev)
	f.session(t, "custom", dev)
	if n := appCount(t, dev); n != 2 {
		t.Fatalf("app count %d, want 2", n)
	}
	a.close()
	testserver.Eventually(t, waitFor, func() error {
		if n := appCount(t, dev); n != 1 {
			return fmt.Errorf("app count %d, want 1", n)
		}
		return nil
	})
}
