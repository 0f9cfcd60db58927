package gizws_test

import (
	"testing"

	"github.com/coder/websocket"
)

// TestLogin: a failed login answers success:false with a msg and keeps the
// socket open; a retry on the same socket succeeds (the SDKs' re-login).
func TestLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bothP0(t, func(t *testing.T, p0 string) {
		uid, token := f.user(t)
		otherUID, _ := f.user(t)
		c := f.dial(t)

		for _, bad := range []struct {
			appid, uid, token string
			code              int
		}{
			{f.appID, uid, "not-a-token", 9004},
			{f.appID, otherUID, token, 9004},                       // the token is not otherUID's
			{"0123456789abcdef0123456789abcdef", uid, token, 9003}, // no such app
		} {
			c.sendLogin(bad.appid, bad.uid, bad.token, loginOpts{p0: p0})
			m := c.expect("login_res")
			var ok bool
			m.field(t, "success", &ok)
			if ok || m.str(t, "msg") == "" {
				t.Fatalf("bad login answered %s", m)
			}
			if code := m.num(t, "error_code"); code != bad.code {
				t.Errorf("error_code %d, want %d: %s", code, bad.code, m)
			}
		}
		c.login(f.appID, uid, token, loginOpts{p0: p0})
		c.ensureQuiet()
	})
}

// TestLoginMalformed: a login_req without strings still gets login_res.
func TestLoginMalformed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.dial(t)
	c.sendText(`{"cmd":"login_req","data":{"appid":1}}`)
	m := c.expect("login_res")
	if m.num(t, "error_code") != 1004 {
		t.Fatalf("got %s", m)
	}
	c.sendText(`{"cmd":"login_req","data":{"appid":"a","uid":"b","token":"c","p0_type":"json"}}`)
	if m := c.expect("login_res"); m.num(t, "error_code") != 1004 {
		t.Fatalf("got %s", m)
	}
}

// TestLoginFailuresClose: the fifth failed login closes the connection.
func TestLoginFailuresClose(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, _ := f.user(t)
	c := f.dial(t)
	for range 5 {
		c.sendLogin(f.appID, uid, "wrong", loginOpts{})
		c.expect("login_res")
	}
	if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v, want 1008", code)
	}
}

// TestBeforeLogin: ping works before login; every other command gets 1009
// with the message clients match on, in order, and login then works.
func TestBeforeLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, token := f.user(t)
	c := f.dial(t)
	c.send("ping", nil)
	c.expect("pong")
	for _, cmd := range []string{
		`{"cmd":"subscribe_req","data":[{"did":"x"}]}`,
		`{"cmd":"c2s_write","data":{"did":"x","attrs":{"a":1}}}`,
		`{"cmd":"c2s_read","data":{"did":"x"}}`,
		`{"cmd":"c2s_raw","data":{"did":"x","raw":[0]}}`,
		`{"cmd":"c2s_ack","did":"x","res_sn":1}`,
		`{"cmd":"c2s_write"}`, // invalid too, but logging in comes first
	} {
		c.sendText(cmd)
		m := c.expectInvalid(1009)
		if s := m.str(t, "msg"); s != "M2M socket has closed, please login again!" {
			t.Fatalf("msg %q", s)
		}
	}
	c.login(f.appID, uid, token, loginOpts{})
}

// TestPipelinedLogin: messages sent before login_res are handled after the
// login, in order (clients send login_req and subscribe_req back to back).
func TestPipelinedLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dev := f.lamp(t)
	uid, token := f.user(t)
	f.bind(t, uid, dev)
	c := f.dial(t)
	c.sendLogin(f.appID, uid, token, loginOpts{})
	c.send("subscribe_req", []map[string]string{{"did": dev.DID()}})
	c.send("ping", nil)
	c.expect("login_res")
	c.expect("subscribe_res", "s2c_binding_changed")
	c.expect("s2c_online_status")
	c.expect("pong")
}

// TestReloginOtherUser: logging in again as another user drops the first
// user's subscriptions; a failed login logs out.
func TestReloginOtherUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dev := f.lamp(t)
	c, _ := f.session(t, "attrs_v4", dev)
	if n := appCount(t, dev); n != 1 {
		t.Fatalf("app count %d, want 1", n)
	}
	uid2, token2 := f.user(t)
	c.login(f.appID, uid2, token2, loginOpts{})
	if n := appCount(t, dev); n != 0 {
		t.Fatalf("app count after re-login %d, want 0", n)
	}
	c.sendLogin(f.appID, uid2, "bad", loginOpts{})
	c.expect("login_res")
	c.send("subscribe_req", []map[string]string{{"did": dev.DID()}})
	c.expectInvalid(1009)
}
