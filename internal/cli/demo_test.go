package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// syncBuffer is a bytes.Buffer that serve writes to while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runServe runs `switchboard serve args...` in-process until the returned
// stop function is called; stop returns the exit code.
func runServe(t *testing.T, args ...string) (out *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	serveBase = func() context.Context { return ctx }
	t.Cleanup(func() { serveBase = context.Background })
	out, errs := &syncBuffer{}, &syncBuffer{}
	code := make(chan int, 1)
	// TLS on random ports; a test's own flags come later and win.
	args = append([]string{"serve", "--https-addr", "127.0.0.1:0", "--mqtts-addr", "127.0.0.1:0"}, args...)
	go func() { code <- Main(args, out, errs) }()
	var once sync.Once
	var rc int
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case rc = <-code:
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop")
			}
		})
		return rc
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("serve stdout:\n%s\nserve stderr:\n%s", out, errs)
		}
	})
	return out, stop
}

// banner is what the demo block tells a person.
type banner struct {
	console, user, password, appid, adminToken string
}

var (
	reConsole = regexp.MustCompile(`(?m)^  Console\s+(http://\S+/app)$`)
	reLogin   = regexp.MustCompile(`(?m)^  Demo login\s+user (\S+), password (\S+)\s+\(application id ([0-9a-f]{32}) is filled in\)$`)
	reToken   = regexp.MustCompile(`(?m)^  Admin token\s+(\S+)\s`)
	reCurl    = regexp.MustCompile(`(?m)^  curl -s -X POST (\S+)/app/login -H 'X-Gizwits-Application-Id: ([0-9a-f]+)' -d '(.+)'$`)
)

// waitBanner waits for the demo block and parses it.
func waitBanner(t *testing.T, out *syncBuffer) banner {
	t.Helper()
	var b banner
	testserver.Eventually(t, 30*time.Second, func() error {
		s := out.String()
		c, l, k := reConsole.FindStringSubmatch(s), reLogin.FindStringSubmatch(s), reToken.FindStringSubmatch(s)
		if c == nil || l == nil || k == nil || !strings.Contains(s, "devices write") {
			return fmt.Errorf("no complete demo block yet:\n%s", s)
		}
		b = banner{console: c[1], user: l[1], password: l[2], appid: l[3], adminToken: k[1]}
		return nil
	})
	// The curl line is exactly what logs in.
	m := reCurl.FindStringSubmatch(out.String())
	if m == nil || m[1]+"/app" != b.console || m[2] != b.appid ||
		m[3] != fmt.Sprintf(`{"username":"%s","password":"%s"}`, b.user, b.password) {
		t.Fatalf("curl line %q does not match the block %+v", m, b)
	}
	return b
}

// `serve --demo` on a fresh data dir: the printed demo user logs in over
// the HTTP app API, sees the demo devices online, and receives live
// s2c_noti on /ws/app/v1. A second start on the same data dir reuses the
// same app, user and devices.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--demo", "--data-dir", dir, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "warn"}
	out, stop := runServe(t, args...)
	b := waitBanner(t, out)
	if !strings.Contains(out.String(), "created now") {
		t.Fatalf("first start does not say it created the demo:\n%s", out)
	}
	base := strings.TrimSuffix(b.console, "/app")
	page, err := http.Get(b.console)
	if err != nil || page.StatusCode != 200 {
		t.Fatalf("console %s: %v %v", b.console, page, err)
	}
	page.Body.Close()

	uid, token := appLogin(t, base, b)
	dids := waitDemoOnline(t, base, b.appid, token, 3)
	watchNoti(t, base, b.appid, uid, token, dids)

	// The admin token printed is the one the admin API takes.
	req, _ := http.NewRequest("GET", base+"/admin/v1/products", nil)
	req.Header.Set("Authorization", "Bearer "+b.adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("admin API with the printed token: %v %v", resp, err)
	}
	var products struct{ Products []json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&products)
	resp.Body.Close()
	if rc := stop(); rc != 0 {
		t.Fatalf("serve exited %d", rc)
	}

	// Second start: everything is reused, nothing is added.
	out2, stop2 := runServe(t, args...)
	b2 := waitBanner(t, out2)
	if !strings.Contains(out2.String(), "reused from an earlier start") {
		t.Fatalf("second start does not say it reused the demo:\n%s", out2)
	}
	if b2.appid != b.appid || b2.user != b.user || b2.password != b.password || b2.adminToken != b.adminToken {
		t.Fatalf("second start printed %+v, first %+v", b2, b)
	}
	base2 := strings.TrimSuffix(b2.console, "/app")
	_, token2 := appLogin(t, base2, b2)
	dids2 := waitDemoOnline(t, base2, b2.appid, token2, 3)
	if fmt.Sprint(dids2) != fmt.Sprint(dids) {
		t.Fatalf("second start's devices %v, first %v", dids2, dids)
	}
	req, _ = http.NewRequest("GET", base2+"/admin/v1/products", nil)
	req.Header.Set("Authorization", "Bearer "+b2.adminToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var products2 struct{ Products []json.RawMessage }
	_ = json.NewDecoder(resp.Body).Decode(&products2)
	resp.Body.Close()
	if len(products.Products) != 1 || len(products2.Products) != 1 {
		t.Fatalf("products after the first start %d, after the second %d; want 1 and 1", len(products.Products), len(products2.Products))
	}
	if rc := stop2(); rc != 0 {
		t.Fatalf("second serve exited %d", rc)
	}
}

// Without --demo only the admin token is created, and the first start says
// how to go on.
func TestServeWithoutDemo(t *testing.T) {
	dir := t.TempDir()
	out, stop := runServe(t, "--data-dir", dir, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "warn")
	testserver.Eventually(t, 30*time.Second, func() error {
		if !strings.Contains(out.String(), "The console is at") {
			return fmt.Errorf("no first-start text yet: %q", out.String())
		}
		return nil
	})
	for _, want := range []string{"Generated an admin token", "products create", "apps create", "devsim --product-key", "--demo"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("first-start output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "Demo login") {
		t.Errorf("a demo was set up without --demo:\n%s", out)
	}
	if rc := stop(); rc != 0 {
		t.Fatalf("serve exited %d", rc)
	}
}

func appLogin(t *testing.T, base string, b banner) (uid, token string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": b.user, "password": b.password})
	req, _ := http.NewRequest("POST", base+"/app/login", bytes.NewReader(body))
	req.Header.Set("X-Gizwits-Application-Id", b.appid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ UID, Token string }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 || r.Token == "" {
		t.Fatalf("login as the printed demo user: HTTP %d %+v %v", resp.StatusCode, r, err)
	}
	return r.UID, r.Token
}

// waitDemoOnline polls GET /app/bindings until n devices are bound and
// online, and returns their dids in order.
func waitDemoOnline(t *testing.T, base, appid, token string, n int) []string {
	t.Helper()
	var dids []string
	testserver.Eventually(t, 15*time.Second, func() error {
		req, _ := http.NewRequest("GET", base+"/app/bindings", nil)
		req.Header.Set("X-Gizwits-Application-Id", appid)
		req.Header.Set("X-Gizwits-User-token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var r struct {
			Devices []struct {
				DID      string `json:"did"`
				IsOnline bool   `json:"is_online"`
				Alias    string `json:"dev_alias"`
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return err
		}
		dids = dids[:0]
		online := 0
		for _, d := range r.Devices {
			dids = append(dids, d.DID)
			if d.IsOnline {
				online++
			}
		}
		if len(r.Devices) != n || online != n {
			return fmt.Errorf("%d devices bound, %d online; want %d", len(r.Devices), online, n)
		}
		return nil
	})
	return dids
}

// watchNoti logs in on /ws/app/v1 as a Gizwits app would and waits for a
// live s2c_noti of a demo device (they report every 2 s).
func watchNoti(t *testing.T, base, appid, uid, token string, dids []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/app/v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	login, _ := json.Marshal(map[string]any{"cmd": "login_req", "data": map[string]any{
		"appid": appid, "uid": uid, "token": token, "p0_type": "attrs_v4", "heartbeat_interval": 60, "auto_subscribe": true,
	}})
	if err := c.Write(ctx, websocket.MessageText, login); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("no s2c_noti from a demo device: %v", err)
		}
		var m struct {
			Cmd  string
			Data struct {
				DID     string         `json:"did"`
				Success *bool          `json:"success"`
				Attrs   map[string]any `json:"attrs"`
			}
		}
		_ = json.Unmarshal(b, &m)
		if m.Cmd == "login_res" && (m.Data.Success == nil || !*m.Data.Success) {
			t.Fatalf("ws login refused: %s", b)
		}
		if m.Cmd == "s2c_noti" && strings.Contains(strings.Join(dids, ","), m.Data.DID) && m.Data.Attrs["Temperature"] != nil {
			return
		}
	}
}
