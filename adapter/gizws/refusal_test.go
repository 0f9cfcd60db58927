package gizws_test

import (
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestWriteRefusalsAreClean: every malformed c2s_write gets 9025 with a
// msg that is the vendor text plus the datapoint's name and what it takes,
// never an internal error chain; the device receives nothing; and the log
// has the whole error under the request id <client id>-<message number>.
func TestWriteRefusalsAreClean(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lamp, fan := f.lamp(t), f.fan(t)
	lampDown, fanDown := f.downlinks(t, lamp.DID()), f.downlinks(t, fan.DID())
	c, _ := f.session(t, "attrs_v4", lamp, fan)

	cases := []struct {
		name, did, field string
		value            any
		want             string // the whole msg
	}{
		{"uint not a step", lamp.DID(), "LED_R", 3.5, "attr invalid: LED_R must be a number from 0 to 254 in steps of 1"},
		{"uint out of range", lamp.DID(), "LED_R", 999, "attr invalid: LED_R must be a number from 0 to 254 in steps of 1"},
		{"uint as string", lamp.DID(), "Motor_Speed", "3", "attr invalid: Motor_Speed must be a number from -5 to 5 in steps of 1"},
		{"bool as 1", lamp.DID(), "LED_OnOff", 1, "attr invalid: LED_OnOff must be true or false"},
		{"bool as string", lamp.DID(), "LED_OnOff", "true", "attr invalid: LED_OnOff must be true or false"},
		{"enum unknown label", lamp.DID(), "LED_Color", "red", "attr invalid: LED_Color must be one of its labels or an index from 0 to 3"},
		{"enum index past labels", lamp.DID(), "LED_Color", 4, "attr invalid: LED_Color must be one of its labels or an index from 0 to 3"},
		{"read-only", lamp.DID(), "Temperature", 20, "attr invalid: Temperature is not writable"},
		{"unknown", lamp.DID(), "Colour", true, "attr invalid: Colour is not a datapoint of this product"},
		{"binary too long", fan.DID(), "Label", []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, "attr invalid: Label must be an array of at most 8 bytes (0 to 255)"},
		{"binary not hex", fan.DID(), "Label", "zz", "attr invalid: Label must be a hex string of at most 8 bytes"},
		{"var_len read-only", fan.DID(), "Temperature", 20, "attr invalid: Temperature is not writable"},
	}
	for _, tc := range cases {
		c.send("c2s_write", map[string]any{"did": tc.did, "attrs": map[string]any{tc.field: tc.value}})
		m := c.expectInvalid(9025)
		got := m.str(t, "msg")
		testserver.CheckClientText(t, got, tc.field)
		if got != tc.want {
			t.Errorf("%s: msg %q, want %q", tc.name, got, tc.want)
		}
		if m.str(t, "did") != tc.did {
			t.Errorf("%s: did %q", tc.name, m.str(t, "did"))
		}
	}
	// A raw frame that is not P0 names the field too (1004).
	c.send("c2s_raw", map[string]any{"did": lamp.DID(), "raw": []int{1, 2, 3}})
	if got := c.expectInvalid(1004).str(t, "msg"); got != "invalid field: raw is not a valid P0 frame" {
		t.Errorf("raw msg %q", got)
	}

	// Nothing reached the devices: a good write after the bad ones is the
	// first frame each one gets (the bus keeps a subject's order).
	c.send("c2s_write", map[string]any{"did": lamp.DID(), "attrs": map[string]any{"LED_R": 4}})
	c.send("c2s_write", map[string]any{"did": fan.DID(), "attrs": map[string]any{"Speed": 4}})
	for _, dev := range []struct {
		name string
		down <-chan core.Downlink
		want string
	}{{"lamp", lampDown, "LED_R"}, {"fan", fanDown, "Speed"}} {
		_, fr := nextDown(t, dev.down)
		if len(fr.Payload) == 0 || (fr.Payload[0] != 0x01 && fr.Payload[0] != 0x11) {
			t.Fatalf("%s: first downlink %x is not the good write", dev.name, fr.Payload)
		}
		select {
		case d := <-dev.down:
			t.Fatalf("%s: a second downlink %x", dev.name, d.Frame)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if w := lamp.Stats().Writes + fan.Stats().Writes; w > 2 {
		t.Errorf("devices got %d writes, want at most the 2 good ones", w)
	}

	// The log holds the cause under the request id (client id, message
	// number): the first bad write was this socket's third message, after
	// login_req and subscribe_req.
	testserver.Eventually(t, 5*time.Second, func() error {
		if !f.srv.Log.Contains("ws device command refused", "request=usr", "-3 ", "code=9025", `datapoint: field \"LED_R\": value out of range`) {
			return errors.New("no log line with the request id and the cause")
		}
		return nil
	})
}

// TestLoginUnknownAppID: an appid no application has answers 9003
// "appid invalid", whatever the token (it used to be 9004 because the
// token was looked up first).
func TestLoginUnknownAppID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, token := f.user(t)
	c := f.dial(t)
	for _, tok := range []string{token, "0123456789abcdef0123456789abcdef"} {
		c.sendLogin("ffffffffffffffffffffffffffffffff", uid, tok, loginOpts{})
		m := c.expect("login_res")
		if code, text := m.num(t, "error_code"), m.str(t, "msg"); code != 9003 || text != "appid invalid" {
			t.Errorf("login with unknown appid: %d %q, want 9003 \"appid invalid\"", code, text)
		}
	}
	// A known app with someone else's token is still the token's fault.
	other, err := f.srv.Admin.CreateApp(t.Context(), "other")
	if err != nil {
		t.Fatal(err)
	}
	c.sendLogin(other.AppID, uid, token, loginOpts{})
	if code := c.expect("login_res").num(t, "error_code"); code != 9004 {
		t.Errorf("token of another app: %d, want 9004", code)
	}
	c.login(f.appID, uid, token, loginOpts{})
}
