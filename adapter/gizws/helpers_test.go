package gizws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/adapter/gizws"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// waitFor bounds every wait for a message; tests fail rather than hang.
const waitFor = 10 * time.Second

// fixture is a node with an app, the two demo products and a helper to make
// users, devices and WebSocket clients.
type fixture struct {
	srv        *testserver.Server
	appID      string
	lampKey    string
	lampSchema *datapoint.Schema
	fanKey     string
	fanSchema  *datapoint.Schema
	wsURL      string
	macs       atomic.Uint32
}

func newFixture(t testing.TB, opts ...testserver.Option) *fixture {
	t.Helper()
	srv := testserver.Start(t, opts...)
	app, err := srv.Admin.CreateApp(context.Background(), "ws test")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{srv: srv, appID: app.AppID}
	lamp, ls := srv.CreateProduct(t, "demo-lamp.json")
	fan, fs := srv.CreateProduct(t, "demo-fan-varlen.json")
	f.lampKey, f.lampSchema, f.fanKey, f.fanSchema = lamp.ProductKey, ls, fan.ProductKey, fs
	f.wsURL = "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/app/v1"
	return f
}

func (f *fixture) node() *core.Node { return f.srv.Node() }

// user creates an anonymous user and returns its uid and token.
func (f *fixture) user(t testing.TB) (uid, token string) {
	t.Helper()
	u, s, _, err := f.node().CreateUser(context.Background(), f.appID, core.NewUser{PhoneID: fmt.Sprintf("phone-%d-%d", time.Now().UnixNano(), f.macs.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	return u.UID, s.Token
}

func (f *fixture) mac() string { return fmt.Sprintf("a0b1c2%06x", f.macs.Add(1)) }

// lamp starts a simulated fixed-length device; fan a var_len one.
func (f *fixture) lamp(t testing.TB) *devsim.Device {
	return f.settled(t, f.srv.StartDevice(t, f.lampKey, f.lampSchema, f.mac()))
}

func (f *fixture) fan(t testing.TB) *devsim.Device {
	return f.settled(t, f.srv.StartDevice(t, f.fanKey, f.fanSchema, f.mac()))
}

// settled waits until the report a device sends on connect has been
// handled, so it cannot arrive in the middle of a test's exchange.
func (f *fixture) settled(t testing.TB, d *devsim.Device) *devsim.Device {
	t.Helper()
	testserver.Eventually(t, 5*time.Second, func() error {
		attrs, _, err := f.node().LatestState(context.Background(), d.DID())
		if err != nil {
			return err
		}
		if string(attrs) == "{}" {
			return errors.New("connect report not handled yet")
		}
		return nil
	})
	return d
}

func (f *fixture) bind(t testing.TB, uid string, d *devsim.Device) {
	t.Helper()
	if _, err := f.node().BindDevice(context.Background(), uid, d.DID(), d.Passcode(), core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
}

// downlinks records the frames the core sends to one device.
func (f *fixture) downlinks(t testing.TB, did string) <-chan core.Downlink {
	t.Helper()
	ch := make(chan core.Downlink, 64)
	sub, err := f.node().Bus().Subscribe(core.SubjectDown(did), func(_ string, data []byte) {
		var d core.Downlink
		if json.Unmarshal(data, &d) == nil {
			ch <- d
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return ch
}

var bindOpts = core.BindOptions{}

func withPasscode(p string) func(*devsim.Options) {
	return func(o *devsim.Options) { o.Passcode = p }
}

// customServer runs a second gizws server on the fixture's node with
// changed options (small limits) and returns its WebSocket URL.
func (f *fixture) customServer(t testing.TB, change func(*gizws.Options)) string {
	t.Helper()
	o := gizws.Options{Node: f.node(), Logger: slog.New(slog.NewTextHandler(f.srv.Log, nil)), AllowedOrigins: []string{"*"}}
	change(&o)
	ws, err := gizws.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Start(); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ws.Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		if err := ws.Close(); err != nil {
			t.Error(err)
		}
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + gizws.Path
}

// msg is one server message.
type msg struct {
	Cmd   string          `json:"cmd"`
	Data  json.RawMessage `json:"data"`
	ReqSN *uint32         `json:"req_sn"`
	ResSN *uint32         `json:"res_sn"`
	DID   string          `json:"did"`
	raw   string
}

func (m msg) String() string { return m.raw }

// field decodes one key of data.
func (m msg) field(t testing.TB, key string, into any) {
	t.Helper()
	var d map[string]json.RawMessage
	if err := json.Unmarshal(m.Data, &d); err != nil {
		t.Fatalf("data of %s: %v", m, err)
	}
	v, ok := d[key]
	if !ok {
		t.Fatalf("%s has no data.%s", m, key)
	}
	if err := json.Unmarshal(v, into); err != nil {
		t.Fatalf("data.%s of %s: %v", key, m, err)
	}
}

func (m msg) has(key string) bool {
	var d map[string]json.RawMessage
	_ = json.Unmarshal(m.Data, &d)
	_, ok := d[key]
	return ok
}

func (m msg) str(t testing.TB, key string) string {
	var s string
	m.field(t, key, &s)
	return s
}

func (m msg) num(t testing.TB, key string) int {
	var n int
	m.field(t, key, &n)
	return n
}

// client is a WebSocket client whose background reader queues every
// message, so protocol pings (which need a reader) work and tests read
// with deadlines.
type client struct {
	t      testing.TB
	conn   *websocket.Conn
	in     chan msg
	done   chan struct{}
	err    error // why reading stopped, valid after done
	mu     sync.Mutex
	closed bool
}

type dialOpts struct {
	origin   string
	rcvBuf   int  // shrink the socket's receive buffer (stalled-reader test)
	noReader bool // never read: a stalled client
}

func (f *fixture) dial(t testing.TB) *client { return dialURL(t, f.wsURL, dialOpts{}) }

func dialURL(t testing.TB, url string, o dialOpts) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
	if o.origin != "" {
		opts.HTTPHeader.Set("Origin", o.origin)
	}
	if o.rcvBuf > 0 {
		opts.HTTPClient = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err == nil {
					err = c.(*net.TCPConn).SetReadBuffer(o.rcvBuf)
				}
				return c, err
			},
		}}
	}
	conn, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &client{t: t, conn: conn, in: make(chan msg, 4096), done: make(chan struct{})}
	if !o.noReader {
		go c.readLoop()
	}
	t.Cleanup(func() { c.close() })
	return c
}

func (c *client) readLoop() {
	defer close(c.done)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		var m msg
		if err := json.Unmarshal(b, &m); err != nil {
			c.err = fmt.Errorf("server sent non-JSON %q: %w", b, err)
			return
		}
		m.raw = string(b)
		c.in <- m
	}
}

func (c *client) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.conn.CloseNow()
	}
}

// sendText sends s as is.
func (c *client) sendText(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatalf("send %s: %v", s, err)
	}
}

// send sends {"cmd": cmd, "data": data} plus top-level extras.
func (c *client) send(cmd string, data any, extra ...any) {
	c.t.Helper()
	m := map[string]any{"cmd": cmd}
	if data != nil {
		m["data"] = data
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	b, _ := json.Marshal(m)
	c.sendText(string(b))
}

// next returns the next message, failing after waitFor.
func (c *client) next() msg {
	c.t.Helper()
	select {
	case m := <-c.in:
		return m
	case <-c.done:
		select {
		case m := <-c.in:
			return m
		default:
		}
		c.t.Fatalf("connection ended: %v", c.err)
	case <-time.After(waitFor):
		c.t.Fatal("no message from the server")
	}
	return msg{}
}

// expect returns the next message with that cmd, skipping others that
// skip allows (by cmd); any other message fails the test.
func (c *client) expect(cmd string, skip ...string) msg {
	c.t.Helper()
	for {
		m := c.next()
		if m.Cmd == cmd {
			return m
		}
		ok := false
		for _, s := range skip {
			ok = ok || s == m.Cmd
		}
		if !ok {
			c.t.Fatalf("want %s, got %s", cmd, m)
		}
	}
}

// expectInvalid reads the next message and checks it is s2c_invalid_msg
// with that code.
func (c *client) expectInvalid(code int, skip ...string) msg {
	c.t.Helper()
	m := c.expect("s2c_invalid_msg", skip...)
	if got := m.num(c.t, "error_code"); got != code {
		c.t.Fatalf("error_code %d, want %d: %s", got, code, m)
	}
	return m
}

// ensureQuiet round-trips a ping and fails if anything but pong (or the
// skipped commands) arrives first: every message the server queued before
// handling the ping has been seen.
func (c *client) ensureQuiet(skip ...string) {
	c.t.Helper()
	c.send("ping", nil)
	c.expect("pong", skip...)
}

// waitClosed waits until the server ends the connection and returns its
// close status (-1 when none).
func (c *client) waitClosed() websocket.StatusCode {
	c.t.Helper()
	select {
	case <-c.done:
		return websocket.CloseStatus(c.err)
	case <-time.After(waitFor):
		c.t.Fatal("connection still open")
	}
	return -1
}

type loginOpts struct {
	p0        string
	heartbeat any
	auto      bool
}

// login sends login_req and expects success.
func (c *client) login(appID, uid, token string, o loginOpts) {
	c.t.Helper()
	c.sendLogin(appID, uid, token, o)
	m := c.expect("login_res")
	var ok bool
	m.field(c.t, "success", &ok)
	if !ok {
		c.t.Fatalf("login failed: %s", m)
	}
}

func (c *client) sendLogin(appID, uid, token string, o loginOpts) {
	c.t.Helper()
	if o.p0 == "" {
		o.p0 = "attrs_v4"
	}
	if o.heartbeat == nil {
		o.heartbeat = 180
	}
	c.send("login_req", map[string]any{
		"appid": appID, "uid": uid, "token": token, "p0_type": o.p0,
		"heartbeat_interval": o.heartbeat, "auto_subscribe": o.auto,
	})
}

// subscribe subscribes dids and expects them all in success.
func (c *client) subscribe(dids ...string) msg {
	c.t.Helper()
	entries := make([]map[string]string, len(dids))
	for i, d := range dids {
		entries[i] = map[string]string{"did": d}
	}
	c.send("subscribe_req", entries)
	// A binding made just before login may be announced after it.
	m := c.expect("subscribe_res", "s2c_binding_changed")
	var ok []map[string]any
	m.field(c.t, "success", &ok)
	if len(ok) != len(dids) {
		c.t.Fatalf("subscribe %v: %s", dids, m)
	}
	return m
}

// session is a logged-in client of a fresh user bound to devs, subscribed
// to them, with their online statuses consumed.
func (f *fixture) session(t testing.TB, p0 string, devs ...*devsim.Device) (*client, string) {
	t.Helper()
	uid, token := f.user(t)
	c := f.dial(t)
	c.login(f.appID, uid, token, loginOpts{p0: p0})
	dids := make([]string, len(devs))
	for i, d := range devs {
		f.bind(t, uid, d)
		dids[i] = d.DID()
		c.expect("s2c_binding_changed")
	}
	if len(dids) > 0 {
		c.subscribe(dids...)
		for range dids {
			c.expect("s2c_online_status")
		}
	}
	return c, uid
}

// bothP0 runs a subtest per p0_type.
func bothP0(t *testing.T, f func(t *testing.T, p0 string)) {
	for _, p0 := range []string{"attrs_v4", "custom"} {
		t.Run(p0, func(t *testing.T) { f(t, p0) })
	}
}
