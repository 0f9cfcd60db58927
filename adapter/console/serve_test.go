package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/console"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

type reply struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, method, url string, header map[string]string) reply {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// The page and its assets are served with a strict CSP, revalidated by
// ETag, and the Gizwits app API under /app/ answers exactly as before.
func TestServing(t *testing.T) {
	ts := testserver.Start(t)
	page := get(t, "GET", ts.HTTPURL+"/app", nil)
	if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") || !strings.Contains(page.body, `src="/console/js/main.js"`) {
		t.Fatalf("GET /app: %d %s\n%s", page.status, page.header.Get("Content-Type"), page.body)
	}
	csp := page.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := page.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if head := get(t, "HEAD", ts.HTTPURL+"/app", nil); head.status != 200 || head.body != "" {
		t.Errorf("HEAD /app: %d %q", head.status, head.body)
	}

	js := get(t, "GET", ts.HTTPURL+"/console/js/main.js", nil)
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "text/javascript") || js.header.Get("ETag") == "" {
		t.Fatalf("main.js: %d %q etag %q", js.status, js.header.Get("Content-Type"), js.header.Get("ETag"))
	}
	if again := get(t, "GET", ts.HTTPURL+"/console/js/main.js", map[string]string{"If-None-Match": js.header.Get("ETag")}); again.status != http.StatusNotModified {
		t.Errorf("revalidation: %d, want 304", again.status)
	}
	if css := get(t, "GET", ts.HTTPURL+"/console/css/console.css", nil); css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("console.css: %d %q", css.status, css.header.Get("Content-Type"))
	}
	for _, p := range []string{"/console/nope.js", "/console/js/../../console.go"} {
		// The mux redirects unclean paths to their clean form; nothing
		// outside the embedded tree is ever served.
		if r := get(t, "GET", ts.HTTPURL+p, nil); r.status != 404 && r.status/100 != 3 {
			t.Errorf("GET %s: %d, want 404 or a redirect", p, r.status)
		}
	}

	// The login form's defaults come from the server, and can change after
	// start (the demo sets them).
	var cfg console.Defaults
	if err := json.Unmarshal([]byte(get(t, "GET", ts.HTTPURL+"/console/config.json", nil).body), &cfg); err != nil || cfg != (console.Defaults{}) {
		t.Fatalf("config before: %+v %v", cfg, err)
	}
	want := console.Defaults{AppID: "0123456789abcdef0123456789abcdef", Username: "demo"}
	ts.SetConsoleDefaults(want)
	r := get(t, "GET", ts.HTTPURL+"/console/config.json", nil)
	_ = json.Unmarshal([]byte(r.body), &cfg)
	if cfg != want || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("config after SetConsoleDefaults: %+v (%s)", cfg, r.header.Get("Cache-Control"))
	}

	// The app API is untouched: its catch-all, its checks, its document.
	for _, c := range []struct {
		method, path string
		status       int
		code         float64
	}{
		{"GET", "/app/", 400, 9045},
		{"GET", "/app/console", 400, 9045},
		{"POST", "/app/login", 400, 9003},
		{"GET", "/app/bindings", 400, 9003},
	} {
		r := get(t, c.method, ts.HTTPURL+c.path, nil)
		var body map[string]any
		_ = json.Unmarshal([]byte(r.body), &body)
		if r.status != c.status || body["error_code"] != c.code {
			t.Errorf("%s %s: %d %s, want %d with error_code %v", c.method, c.path, r.status, r.body, c.status, c.code)
		}
	}
	if r := get(t, "GET", ts.HTTPURL+"/app/openapi.json", nil); r.status != 200 || !strings.Contains(r.body, `"openapi"`) {
		t.Errorf("openapi.json: %d", r.status)
	}
}
