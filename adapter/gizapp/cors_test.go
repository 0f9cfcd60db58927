package gizapp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/server"
)

// preflightHdr is what a browser sends before a cross-origin call with the
// Gizwits headers (jsdom's run of the wechat SDK does exactly this).
func preflightHdr(origin, method string) hdr {
	return hdr{
		"Origin":                         origin,
		"Access-Control-Request-Method":  method,
		"Access-Control-Request-Headers": "content-type,x-gizwits-application-id,x-gizwits-user-token",
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	e := start(t) // the server default is AllowedOrigins ["*"]
	for _, path := range []string{"/app/users", "/app/bindings", "/app/devdata/abc/latest", "/app/control/abc", "/status", "/errors"} {
		r := e.do("OPTIONS", path, preflightHdr("https://wx.example", "POST"), nil)
		if r.status != http.StatusNoContent {
			t.Fatalf("%s preflight status %d", path, r.status)
		}
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Fatalf("%s Allow-Origin %q", path, got)
		}
		methods := r.header.Get("Access-Control-Allow-Methods")
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"} {
			if !strings.Contains(methods, m) {
				t.Errorf("%s Allow-Methods %q lacks %s", path, methods, m)
			}
		}
		headers := strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"content-type", "x-gizwits-application-id", "x-gizwits-user-token", "x-gizwits-timestamp", "x-gizwits-signature", "x-gizwits-application-auth"} {
			if !strings.Contains(headers, h) {
				t.Errorf("%s Allow-Headers %q lacks %s", path, headers, h)
			}
		}
		if r.header.Get("Access-Control-Max-Age") == "" {
			t.Errorf("%s has no Max-Age", path)
		}
	}
	// Normal replies, errors included, carry Allow-Origin too.
	h := e.appHdr()
	h["Origin"] = "https://wx.example"
	r := e.do("POST", "/app/users", h, map[string]any{"phone_id": "x"})
	wantOK(t, r, http.StatusCreated)
	if r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("reply headers %v", r.header)
	}
	r = e.do("GET", "/app/bindings", h, nil)
	wantErr(t, r, 400, 9004)
	if r.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("error reply headers %v", r.header)
	}
}

func TestCORSAllowList(t *testing.T) {
	e := start(t, withConfig(func(c *server.Config) { c.AllowedOrigins = []string{"https://app.example"} }))
	r := e.do("OPTIONS", "/app/bindings", preflightHdr("https://app.example", "GET"), nil)
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		r.header.Get("Access-Control-Allow-Headers") == "" || !strings.Contains(r.header.Get("Vary"), "Origin") {
		t.Fatalf("allowed preflight %d %v", r.status, r.header)
	}
	r = e.do("OPTIONS", "/app/bindings", preflightHdr("https://evil.example", "GET"), nil)
	for k := range r.header {
		if strings.HasPrefix(k, "Access-Control-") {
			t.Fatalf("refused origin got %s: %v", k, r.header)
		}
	}
	h := e.appHdr()
	h["Origin"] = "https://evil.example"
	r = e.do("POST", "/app/users", h, map[string]any{"phone_id": "x"})
	wantOK(t, r, http.StatusCreated)
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("refused origin got Allow-Origin on a reply: %v", r.header)
	}
	h["Origin"] = "https://app.example"
	r = e.do("GET", "/status", h, nil)
	if r.header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("allowed origin reply %v", r.header)
	}
}
