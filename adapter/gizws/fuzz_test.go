package gizws_test

import (
	"errors"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizws"
)

// FuzzParseMessage: the client-message parser is a pure function from
// bytes to a command or a *ParseError; it must never panic, and what it
// accepts must be usable as is. Seeds: testdata/fuzz/FuzzParseMessage.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`{"cmd":"ping"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := gizws.ParseMessage(b)
		if err != nil {
			var pe *gizws.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			switch pe.Code {
			case gizws.CodeBadJSON, gizws.CodeUnknownCmd, gizws.CodeInvalidField:
			default:
				t.Fatalf("parser returned code %d", pe.Code)
			}
			if pe.Msg == "" {
				t.Fatal("error without msg")
			}
			return
		}
		switch m.Cmd {
		case "ping":
		case "login_req":
			l := m.Login
			if l.AppID == "" || l.UID == "" || l.Token == "" {
				t.Fatalf("login without credentials: %+v", l)
			}
			if l.HeartbeatSeconds < 1 || l.HeartbeatSeconds > 180 {
				t.Fatalf("heartbeat %d", l.HeartbeatSeconds)
			}
			if l.P0Type != "attrs_v4" && l.P0Type != "custom" {
				t.Fatalf("p0_type %q", l.P0Type)
			}
		case "subscribe_req":
			for _, e := range m.Subscribe {
				if e.Valid && e.DID == "" {
					t.Fatal("valid entry without did")
				}
			}
		case "c2s_raw", "c2s_read", "c2s_write", "c2s_ack":
			if m.DID == "" || len(m.DID) > 64 {
				t.Fatalf("%s with did %q", m.Cmd, m.DID)
			}
			if m.Cmd == "c2s_raw" && len(m.Raw) == 0 {
				t.Fatal("empty raw accepted")
			}
			if m.Cmd == "c2s_write" && len(m.Attrs) == 0 {
				t.Fatal("empty attrs accepted")
			}
			if m.Cmd == "c2s_ack" && !m.HasSN {
				t.Fatal("c2s_ack without res_sn accepted")
			}
		default:
			t.Fatalf("accepted unknown cmd %q", m.Cmd)
		}
	})
}
