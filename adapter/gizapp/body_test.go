package gizapp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Bodies are bounded at 64 KiB and must be one JSON value; both failures
// are 9015 and count as decode errors.
func TestBodyLimits(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	did, pc := e.register(mac(1))
	e.bind(tok, did, pc)
	big := `{"remark":"` + strings.Repeat("x", 70<<10) + `"}`
	before := e.srv.Metric(t, `switchboard_decode_errors_total{adapter="gizapp"}`)

	for _, c := range []struct {
		method, path string
		h            hdr
	}{
		{"POST", "/app/users", e.appHdr()},
		{"POST", "/app/login", e.appHdr()},
		{"PUT", "/app/users", e.userHdr(tok)},
		{"POST", "/app/bindings", e.userHdr(tok)},
		{"DELETE", "/app/bindings", e.userHdr(tok)},
		{"PUT", "/app/bindings/" + did, e.userHdr(tok)},
		{"POST", "/app/bind_mac", e.userHdr(tok)},
		{"POST", "/app/control/" + did, e.userHdr(tok)},
	} {
		wantErr(t, e.do(c.method, c.path, c.h, big), 400, 9015)
		wantErr(t, e.do(c.method, c.path, c.h, `{"remark":`), 400, 9015)
		wantErr(t, e.do(c.method, c.path, c.h, ""), 400, 9015)
	}
	if after := e.srv.Metric(t, `switchboard_decode_errors_total{adapter="gizapp"}`); after-before != 24 {
		t.Fatalf("decode errors went from %v to %v, want +24", before, after)
	}
	// Out is counted after the reply is written, so it may trail briefly.
	eventually(t, func() error {
		in := e.srv.Metric(t, `switchboard_messages_total{adapter="gizapp",direction="in"}`)
		out := e.srv.Metric(t, `switchboard_messages_total{adapter="gizapp",direction="out"}`)
		if in < 26 || out != in {
			return fmt.Errorf("messages in %v, out %v", in, out)
		}
		return nil
	})
	// A body just under the bound is read.
	ok := `{"remark":"` + strings.Repeat("x", 1000) + `","padding":"` + strings.Repeat("y", 60<<10) + `"}`
	wantOK(t, e.do("PUT", "/app/bindings/"+did, e.userHdr(tok), ok), http.StatusOK)
}
