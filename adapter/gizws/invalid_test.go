package gizws_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// TestInvalidMessages: every refusal is an s2c_invalid_msg with its code
// (and the did when there is one), and the connection stays usable.
func TestInvalidMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bothP0(t, func(t *testing.T, p0 string) {
		mine, theirs := f.lamp(t), f.fan(t)
		c, uid := f.session(t, p0, mine)
		other, _ := f.user(t)
		f.bind(t, other, theirs)
		offline, err := f.srv.Admin.RegisterDevice(context.Background(), f.lampKey, f.mac(), "OFFLINE123")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.node().BindDevice(context.Background(), uid, offline.DID, offline.Passcode, bindOpts); err != nil {
			t.Fatal(err)
		}
		c.expect("s2c_binding_changed")
		disabled, err := f.srv.Admin.RegisterDevice(context.Background(), f.lampKey, f.mac(), "DISABLED12")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.node().BindDevice(context.Background(), uid, disabled.DID, disabled.Passcode, bindOpts); err != nil {
			t.Fatal(err)
		}
		c.expect("s2c_binding_changed")
		if _, err := f.srv.Admin.SetDeviceDisabled(context.Background(), disabled.DID, true); err != nil {
			t.Fatal(err)
		}

		rawFrame := []int{0, 0, 0, 3, 4, 0, 0, 0x90, 5}
		cases := []struct {
			name, text string
			code       int
			did        string
		}{
			{"not json", `{"cmd":`, 1001, ""},
			{"not an object", `[1,2]`, 1001, ""},
			{"no cmd", `{"data":{}}`, 1001, ""},
			{"cmd not a string", `{"cmd":5}`, 1001, ""},
			{"unknown cmd", `{"cmd":"c2s_fly"}`, 1002, ""},
			{"subscribe not array", `{"cmd":"subscribe_req","data":{"did":"x"}}`, 1004, ""},
			{"raw without did", `{"cmd":"c2s_raw","data":{"raw":[0]}}`, 1004, ""},
			{"raw byte out of range", `{"cmd":"c2s_raw","data":{"did":"` + mine.DID() + `","raw":[0,300]}}`, 1004, mine.DID()},
			{"raw not a frame", `{"cmd":"c2s_raw","data":{"did":"` + mine.DID() + `","raw":[1,2,3]}}`, 1004, mine.DID()},
			{"raw to unbound", `{"cmd":"c2s_raw","data":{"did":"` + theirs.DID() + `","raw":` + ints(rawFrame) + `}}`, 9017, theirs.DID()},
			{"raw to unknown", `{"cmd":"c2s_raw","data":{"did":"nosuchdevice0000000000","raw":` + ints(rawFrame) + `}}`, 9017, "nosuchdevice0000000000"},
			{"raw to offline", `{"cmd":"c2s_raw","data":{"did":"` + offline.DID + `","raw":` + ints(rawFrame) + `}}`, 9042, offline.DID},
			{"raw to disabled", `{"cmd":"c2s_raw","data":{"did":"` + disabled.DID + `","raw":` + ints(rawFrame) + `}}`, 9023, disabled.DID},
		}
		if p0 == "attrs_v4" {
			cases = append(cases, []struct {
				name, text string
				code       int
				did        string
			}{
				{"write without data", `{"cmd":"c2s_write"}`, 1004, ""},
				{"write attrs not object", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":[1]}}`, 1004, mine.DID()},
				{"write empty attrs", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":{}}}`, 1004, mine.DID()},
				{"negative req_sn", `{"cmd":"c2s_write","req_sn":-1,"data":{"did":"` + mine.DID() + `","attrs":{"LED_OnOff":true}}}`, 1004, mine.DID()},
				{"req_sn too big", `{"cmd":"c2s_read","req_sn":4294967296,"data":{"did":"` + mine.DID() + `"}}`, 1004, mine.DID()},
				{"names not strings", `{"cmd":"c2s_read","data":{"did":"` + mine.DID() + `","names":[1]}}`, 1004, mine.DID()},
				{"ack without res_sn", `{"cmd":"c2s_ack","did":"` + mine.DID() + `"}`, 1004, mine.DID()},
				{"unknown attr", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":{"Nope":1}}}`, 9025, mine.DID()},
				{"attr out of range", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":{"LED_R":999}}}`, 9025, mine.DID()},
				{"attr wrong type", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":{"LED_OnOff":"yes"}}}`, 9025, mine.DID()},
				{"read-only attr", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":{"Temperature":20}}}`, 9025, mine.DID()},
				{"write to unbound", `{"cmd":"c2s_write","data":{"did":"` + theirs.DID() + `","attrs":{"Power":true}}}`, 9017, theirs.DID()},
				{"read unbound", `{"cmd":"c2s_read","data":{"did":"` + theirs.DID() + `"}}`, 9017, theirs.DID()},
				{"ack unbound", `{"cmd":"c2s_ack","did":"` + theirs.DID() + `","res_sn":3}`, 9017, theirs.DID()},
				{"write offline", `{"cmd":"c2s_write","data":{"did":"` + offline.DID + `","attrs":{"LED_OnOff":true}}}`, 9042, offline.DID},
				{"read offline", `{"cmd":"c2s_read","req_sn":2,"data":{"did":"` + offline.DID + `"}}`, 9042, offline.DID},
				{"write disabled", `{"cmd":"c2s_write","data":{"did":"` + disabled.DID + `","attrs":{"LED_OnOff":true}}}`, 9023, disabled.DID},
				{"ack offline", `{"cmd":"c2s_ack","did":"` + offline.DID + `","res_sn":3}`, 9042, offline.DID},
			}...)
		} else {
			cases = append(cases, []struct {
				name, text string
				code       int
				did        string
			}{
				{"read under custom", `{"cmd":"c2s_read","data":{"did":"` + mine.DID() + `"}}`, 1005, mine.DID()},
				{"write under custom", `{"cmd":"c2s_write","data":{"did":"` + mine.DID() + `","attrs":{"LED_OnOff":true}}}`, 1005, mine.DID()},
				{"ack under custom", `{"cmd":"c2s_ack","did":"` + mine.DID() + `","res_sn":1}`, 1005, mine.DID()},
			}...)
		}
		for _, tc := range cases {
			c.sendText(tc.text)
			m := c.expectInvalid(tc.code)
			if m.str(t, "msg") == "" {
				t.Errorf("%s: no msg: %s", tc.name, m)
			}
			if tc.did != "" && m.str(t, "did") != tc.did {
				t.Errorf("%s: did: %s", tc.name, m)
			}
			if tc.did == "" && m.has("did") {
				t.Errorf("%s: unexpected did: %s", tc.name, m)
			}
		}
		c.ensureQuiet()
		if got := f.srv.Metric(t, `switchboard_decode_errors_total{adapter="ws"}`); got < 5 {
			t.Errorf("decode errors %v", got)
		}
	})
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, ",") + "]"
}
