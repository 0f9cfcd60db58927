package interconnect_test

import (
	"errors"
	"testing"

	ic "github.com/switchboard-iot/switchboard/adapter/interconnect"
)

// FuzzParseFrame: the client-frame parser is a pure function from bytes to
// a Frame or a *ParseError; it must never panic, and what it accepts must
// carry what its type needs. Seeds: testdata/fuzz/FuzzParseFrame.
func FuzzParseFrame(f *testing.F) {
	f.Add([]byte(`{"type":"send","id":1,"data":"{}"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := ic.ParseFrame(b)
		if err != nil {
			var pe *ic.ParseError
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Fatalf("error %T %v is not a *ParseError with a message", err, err)
			}
			return
		}
		if fr.Type != "hello" && (fr.ID < 1 || fr.ID > 1<<53-1) {
			t.Fatalf("%s accepted with id %d", fr.Type, fr.ID)
		}
		switch fr.Type {
		case "hello":
			if fr.Package == "" || len(fr.Package) > 255 || fr.Certificate == "" {
				t.Fatalf("hello without package or certificate: %+v", fr)
			}
			switch fr.Role {
			case "watch":
				if fr.DID == "" || fr.Passcode == "" {
					t.Fatalf("watch hello without credentials: %+v", fr)
				}
			case "phone":
				if fr.AppID == "" || fr.Token == "" {
					t.Fatalf("phone hello without credentials: %+v", fr)
				}
			default:
				t.Fatalf("role %q accepted", fr.Role)
			}
		case "diagnosis":
			if fr.TimeoutMS < 0 {
				t.Fatalf("negative timeout %d", fr.TimeoutMS)
			}
		case "installed", "listen", "unlisten":
			if fr.Node == "" || len(fr.Node) > 64 {
				t.Fatalf("%s with node %q", fr.Type, fr.Node)
			}
		case "check_permissions", "request_permissions":
			if fr.Node == "" || len(fr.Permissions) == 0 || len(fr.Permissions) > 8 {
				t.Fatalf("%s: %+v", fr.Type, fr)
			}
			for _, p := range fr.Permissions {
				if p != "data_manager" && p != "notify" {
					t.Fatalf("permission %q accepted", p)
				}
			}
		case "send", "state", "nodes", "ping":
		default:
			t.Fatalf("type %q accepted", fr.Type)
		}
	})
}
