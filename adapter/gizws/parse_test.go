package gizws_test

import (
	"errors"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizws"
)

// TestParseMessage pins the parser's defaults and the places it accepts
// fields from (top level as the document shows, or inside data).
func TestParseMessage(t *testing.T) {
	t.Parallel()
	login := func(extra string) string {
		return `{"cmd":"login_req","data":{"appid":"a","uid":"u","token":"t"` + extra + `}}`
	}
	for _, tc := range []struct {
		in    string
		check func(gizws.Message) bool
	}{
		{login(``), func(m gizws.Message) bool {
			return m.Login.P0Type == "attrs_v4" && m.Login.HeartbeatSeconds == 180 && m.Login.AutoSubscribe
		}},
		{login(`,"heartbeat_interval":0,"auto_subscribe":false`), func(m gizws.Message) bool {
			return m.Login.HeartbeatSeconds == 180 && !m.Login.AutoSubscribe
		}},
		{login(`,"heartbeat_interval":-5`), func(m gizws.Message) bool { return m.Login.HeartbeatSeconds == 180 }},
		{login(`,"heartbeat_interval":1`), func(m gizws.Message) bool { return m.Login.HeartbeatSeconds == 1 }},
		{login(`,"heartbeat_interval":59.9`), func(m gizws.Message) bool { return m.Login.HeartbeatSeconds == 59 }},
		{login(`,"heartbeat_interval":600,"p0_type":"custom"`), func(m gizws.Message) bool {
			return m.Login.HeartbeatSeconds == 180 && m.Login.P0Type == "custom"
		}},
		{`{"cmd":"c2s_write","req_sn":5,"data":{"did":"d","attrs":{"x":1}}}`, func(m gizws.Message) bool {
			return m.HasSN && m.SN == 5 && m.DID == "d" && m.Attrs["x"] == 1.0
		}},
		{`{"cmd":"c2s_write","data":{"did":"d","req_sn":6,"attrs":{"x":1}}}`, func(m gizws.Message) bool { return m.HasSN && m.SN == 6 }},
		{`{"cmd":"c2s_read","data":{"did":"d"}}`, func(m gizws.Message) bool { return !m.HasSN && m.Names == nil }},
		{`{"cmd":"c2s_read","req_sn":0,"data":{"did":"d","names":["a"]}}`, func(m gizws.Message) bool {
			return m.HasSN && m.SN == 0 && len(m.Names) == 1
		}},
		{`{"cmd":"c2s_ack","res_sn":4294967295,"did":"d"}`, func(m gizws.Message) bool { return m.SN == 4294967295 && m.DID == "d" }},
		{`{"cmd":"c2s_ack","data":{"res_sn":3,"did":"e"}}`, func(m gizws.Message) bool { return m.SN == 3 && m.DID == "e" }},
		{`{"cmd":"c2s_raw","data":{"did":"d","raw":[0,255]}}`, func(m gizws.Message) bool { return string(m.Raw) == "\x00\xff" }},
		{`{"cmd":"subscribe_req","data":[{"did":"a"},{"did":1}]}`, func(m gizws.Message) bool {
			return len(m.Subscribe) == 2 && m.Subscribe[0].Valid && !m.Subscribe[1].Valid
		}},
	} {
		m, err := gizws.ParseMessage([]byte(tc.in))
		if err != nil || !tc.check(m) {
			t.Errorf("%s: %+v, %v", tc.in, m, err)
		}
	}
	for in, code := range map[string]gizws.Code{
		`nope`:                        gizws.CodeBadJSON,
		`{"cmd":null}`:                gizws.CodeBadJSON,
		`{"cmd":"x"}`:                 gizws.CodeUnknownCmd,
		`{"cmd":"login_req"}`:         gizws.CodeInvalidField,
		`{"cmd":"c2s_ack","did":"d"}`: gizws.CodeInvalidField,
		`{"cmd":"c2s_ack","did":"d","res_sn":1.5}`:      gizws.CodeInvalidField,
		`{"cmd":"c2s_raw","data":{"did":"d","raw":[]}}`: gizws.CodeInvalidField,
	} {
		_, err := gizws.ParseMessage([]byte(in))
		var pe *gizws.ParseError
		if !errors.As(err, &pe) || pe.Code != code {
			t.Errorf("%s: %v, want code %d", in, err, code)
		}
	}
}
