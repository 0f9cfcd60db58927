package server_test

// End-to-end clean-room replays of real Gizwits app clients against a whole
// node (notes §7.1, §7.3, §7.4, §6): the HTTP calls and the WebSocket
// session each client makes, in its order, over real sockets, with a
// simulated device on the MQTT side. No client code is used, only the call
// sequences the notes record; every helper below is this file's own.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// e2eWait bounds every wait; the tests fail rather than hang.
const e2eWait = 10 * time.Second

// e2eOrigin is the page a browser client runs on.
const e2eOrigin = "https://mini.example"

// ---- HTTP ----

type e2eReply struct {
	status int
	header http.Header
	body   []byte
}

// e2eCall sends one request. Header names are sent exactly as given (the
// SDK writes "X-Gizwits-User-token"), which Header.Set would canonicalise.
func e2eCall(t *testing.T, method, rawURL string, hdr map[string]string, body string) e2eReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = []string{v}
	}
	resp, err := e2eClientFor(req.URL.Host).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, rawURL, err)
	}
	return e2eReply{status: resp.StatusCode, header: resp.Header, body: b}
}

// object decodes the reply as a JSON object, checking the status and that
// the server says it is JSON.
func (r e2eReply) object(t *testing.T, what string, wantStatus func(int) bool) map[string]any {
	t.Helper()
	if !wantStatus(r.status) {
		t.Fatalf("%s: HTTP %d: %s", what, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s: body %q is not a JSON object: %v", what, r.body, err)
	}
	return m
}

func is2xx(s int) bool { return s/100 == 2 }
func is200(s int) bool { return s == http.StatusOK }

// browserCall is what a browser does for a cross-origin call with custom
// headers: an OPTIONS preflight naming the method and the non-simple
// headers, which must allow both, then the call itself, whose reply the
// page may only read when it allows the origin.
func browserCall(t *testing.T, method, rawURL string, hdr map[string]string, body string) e2eReply {
	t.Helper()
	var asked []string
	for k := range hdr {
		asked = append(asked, strings.ToLower(k))
	}
	pre := e2eCall(t, http.MethodOptions, rawURL, map[string]string{
		"Origin":                         e2eOrigin,
		"Access-Control-Request-Method":  method,
		"Access-Control-Request-Headers": strings.Join(asked, ","),
	}, "")
	if !is2xx(pre.status) {
		t.Fatalf("preflight of %s %s: HTTP %d", method, rawURL, pre.status)
	}
	if o := pre.header.Get("Access-Control-Allow-Origin"); o != "*" && o != e2eOrigin {
		t.Fatalf("preflight of %s %s: Access-Control-Allow-Origin %q", method, rawURL, o)
	}
	if !listHas(pre.header.Get("Access-Control-Allow-Methods"), method) {
		t.Fatalf("preflight: Access-Control-Allow-Methods %q lacks %s", pre.header.Get("Access-Control-Allow-Methods"), method)
	}
	for _, h := range asked {
		if !listHas(pre.header.Get("Access-Control-Allow-Headers"), h) {
			t.Fatalf("preflight: Access-Control-Allow-Headers %q lacks %s", pre.header.Get("Access-Control-Allow-Headers"), h)
		}
	}
	withOrigin := map[string]string{"Origin": e2eOrigin}
	for k, v := range hdr {
		withOrigin[k] = v
	}
	r := e2eCall(t, method, rawURL, withOrigin, body)
	if o := r.header.Get("Access-Control-Allow-Origin"); o != "*" && o != e2eOrigin {
		t.Fatalf("%s %s: reply without Access-Control-Allow-Origin (got %q); a browser hides it", method, rawURL, o)
	}
	return r
}

// listHas reports whether a comma-separated header value names item
// (case-insensitively).
func listHas(list, item string) bool {
	for _, x := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(x), item) {
			return true
		}
	}
	return false
}

// e2eDevice is one entry of /app/bindings, read the way the clients read
// it: plain indexing with type assertions (a missing key or a wrong type
// fails, as it crashes those clients).
type e2eDevice struct {
	did, mac, productKey, devAlias, remark, host string
	online                                       bool
	wsPort, wssPort                              int
	raw                                          map[string]any
}

func readDevice(t *testing.T, x any) e2eDevice {
	t.Helper()
	d, ok := x.(map[string]any)
	if !ok {
		t.Fatalf("device entry %#v is not an object", x)
	}
	str := func(k string) string {
		v, ok := d[k].(string)
		if !ok {
			t.Fatalf("device %s = %#v, want a string (%v)", k, d[k], d)
		}
		return v
	}
	port := func(k string) int {
		v, ok := d[k].(float64)
		if !ok || v <= 0 || v > 65535 || v != float64(int(v)) {
			t.Fatalf("device %s = %#v, want a port number (%v)", k, d[k], d)
		}
		return int(v)
	}
	online, ok := d["is_online"].(bool)
	if !ok {
		t.Fatalf("device is_online = %#v, want a bool", d["is_online"])
	}
	return e2eDevice{
		did: str("did"), mac: str("mac"), productKey: str("product_key"), devAlias: str("dev_alias"),
		remark: str("remark"), host: str("host"), online: online,
		wsPort: port("ws_port"), wssPort: port("wss_port"), raw: d,
	}
}

// pagedBindings lists bindings as the JS SDK and pyGizwits do: limit=20,
// skip+=20 while a page holds exactly 20 devices.
func pagedBindings(t *testing.T, call func(path string) e2eReply) []e2eDevice {
	t.Helper()
	var out []e2eDevice
	for skip := 0; skip < 1000; skip += 20 {
		r := call(fmt.Sprintf("/app/bindings?show_disabled=0&limit=20&skip=%d", skip))
		list, ok := r.object(t, "bindings", is200)["devices"].([]any)
		if !ok {
			t.Fatalf("bindings: no devices array: %s", r.body)
		}
		for _, x := range list {
			out = append(out, readDevice(t, x))
		}
		if len(list) != 20 {
			return out
		}
	}
	t.Fatal("bindings never ended")
	return nil
}

// wsURL builds the socket address from a device's binding fields, as the
// SDKs do: ws://<host>:<ws_port>/ws/app/v1.
func (d e2eDevice) wsURL() string {
	return "ws://" + net.JoinHostPort(d.host, strconv.Itoa(d.wsPort)) + "/ws/app/v1"
}

// ---- WebSocket ----

// e2eMsg is one server message.
type e2eMsg struct {
	Cmd  string          `json:"cmd"`
	Data json.RawMessage `json:"data"`
	raw  string
}

// data decodes data into v, failing the test when it does not fit.
func (m e2eMsg) data(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(m.Data, v); err != nil {
		t.Fatalf("data of %s: %v", m.raw, err)
	}
}

// e2eWS is an app's socket. A background reader queues every message (so
// protocol pings are answered), and reads wait with deadlines.
type e2eWS struct {
	t    *testing.T
	conn *websocket.Conn
	in   chan e2eMsg
	stop chan struct{} // closed at cleanup, so a full queue cannot block the reader
	done chan struct{}
	err  error // why reading stopped; valid after done
	// seen counts messages by cmd, for failure reports.
	mu   sync.Mutex
	seen map[string]int
}

func dialWS(t *testing.T, rawURL string) *e2eWS {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.Dial(ctx, rawURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {e2eOrigin}}, HTTPClient: e2eClientFor(u.Host)})
	if err != nil {
		t.Fatalf("dial %s: %v", rawURL, err)
	}
	c := &e2eWS{t: t, conn: conn, in: make(chan e2eMsg, 1024), stop: make(chan struct{}), done: make(chan struct{}), seen: map[string]int{}}
	go c.readLoop()
	t.Cleanup(func() {
		close(c.stop)
		conn.CloseNow()
		<-c.done
	})
	return c
}

func (c *e2eWS) readLoop() {
	defer close(c.done)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.err = err
			return
		}
		var m e2eMsg
		if err := json.Unmarshal(b, &m); err != nil {
			c.err = fmt.Errorf("server sent non-JSON %q: %w", b, err)
			return
		}
		m.raw = string(b)
		select {
		case c.in <- m:
		case <-c.stop:
			return
		}
	}
}

// send writes one JSON text message.
func (c *e2eWS) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", b, err)
	}
}

// next returns the next message. s2c_invalid_msg fails the test wherever it
// comes: none of these sequences may provoke one.
func (c *e2eWS) next(waiting string) e2eMsg {
	c.t.Helper()
	timer := time.NewTimer(e2eWait)
	defer timer.Stop()
	var m e2eMsg
	select {
	case m = <-c.in:
	case <-c.done:
		select {
		case m = <-c.in:
		default:
			c.t.Fatalf("waiting for %s: connection ended: %v", waiting, c.err)
		}
	case <-timer.C:
		c.mu.Lock()
		seen := fmt.Sprint(c.seen)
		c.mu.Unlock()
		c.t.Fatalf("waiting for %s: nothing after %v (ignored so far: %s)", waiting, e2eWait, seen)
	}
	if m.Cmd == "s2c_invalid_msg" {
		c.t.Fatalf("waiting for %s: server sent %s", waiting, m.raw)
	}
	return m
}

// e2eWant is one message a client waits for.
type e2eWant struct {
	name  string
	match func(e2eMsg) bool
}

// expect reads until every want has matched a message (in any order, each
// once) and returns the matches by name. Other messages are ignored, as the
// clients ignore kinds and dids they do not wait for.
func (c *e2eWS) expect(wants ...e2eWant) map[string]e2eMsg {
	c.t.Helper()
	got := make(map[string]e2eMsg, len(wants))
	for len(got) < len(wants) {
		var pending []string
		for _, w := range wants {
			if _, ok := got[w.name]; !ok {
				pending = append(pending, w.name)
			}
		}
		m := c.next(strings.Join(pending, ", "))
		matched := false
		for _, w := range wants {
			if _, ok := got[w.name]; !ok && w.match(m) {
				got[w.name] = m
				matched = true
				break
			}
		}
		if !matched {
			c.mu.Lock()
			c.seen[m.Cmd]++
			c.mu.Unlock()
			c.t.Logf("ignored while waiting for %v: %s", pending, m.raw)
		}
	}
	return got
}

// quiet round-trips a ping: every message the server queued before it has
// been read (and none was s2c_invalid_msg).
func (c *e2eWS) quiet() {
	c.t.Helper()
	c.send(map[string]any{"cmd": "ping"})
	c.expect(wantCmd("pong"))
}

func wantCmd(cmd string) e2eWant {
	return e2eWant{cmd, func(m e2eMsg) bool { return m.Cmd == cmd }}
}

// wantData matches a cmd for did whose data satisfies ok (decoded into a
// generic map).
func wantData(name, cmd, did string, ok func(map[string]any) bool) e2eWant {
	return e2eWant{name, func(m e2eMsg) bool {
		if m.Cmd != cmd {
			return false
		}
		var d map[string]any
		if json.Unmarshal(m.Data, &d) != nil || d["did"] != did {
			return false
		}
		return ok == nil || ok(d)
	}}
}

func wantOnline(did string, online bool) e2eWant {
	return wantData(fmt.Sprintf("s2c_online_status online=%v", online), "s2c_online_status", did,
		func(d map[string]any) bool { return d["online"] == online })
}

// wantNoti matches an s2c_noti for did whose attrs hold every value of
// want (JSON forms: bool, string, float64).
func wantNoti(did string, want map[string]any) e2eWant {
	return wantData(fmt.Sprintf("s2c_noti %v", want), "s2c_noti", did, func(d map[string]any) bool {
		attrs, _ := d["attrs"].(map[string]any)
		for k, v := range want {
			if attrs[k] != v {
				return false
			}
		}
		return true
	})
}

func loginReq(appID, uid, token string, heartbeat int, auto bool) map[string]any {
	return map[string]any{"cmd": "login_req", "data": map[string]any{
		"appid": appID, "uid": uid, "token": token, "p0_type": "attrs_v4",
		"heartbeat_interval": heartbeat, "auto_subscribe": auto,
	}}
}

// login waits for login_res and fails unless it says success.
func (c *e2eWS) loginOK() {
	c.t.Helper()
	m := c.expect(wantCmd("login_res"))["login_res"]
	var d struct {
		Success *bool `json:"success"`
	}
	m.data(c.t, &d)
	if d.Success == nil || !*d.Success {
		c.t.Fatalf("login failed: %s", m.raw)
	}
}

// checkSubscribed fails unless subscribe_res lists exactly did in success
// and has an empty failed array (notes §6: the SDKs iterate both).
func checkSubscribed(t *testing.T, m e2eMsg, did string) {
	t.Helper()
	var sub struct {
		Success *[]struct {
			DID string `json:"did"`
		} `json:"success"`
		Failed *[]json.RawMessage `json:"failed"`
	}
	m.data(t, &sub)
	if sub.Success == nil || len(*sub.Success) != 1 || (*sub.Success)[0].DID != did {
		t.Fatalf("subscribe_res success: %s", m.raw)
	}
	if sub.Failed == nil || len(*sub.Failed) != 0 {
		t.Fatalf("subscribe_res failed must be an empty array: %s", m.raw)
	}
}

// waitDeviceValues polls the simulated device until it holds want.
func waitDeviceValues(t *testing.T, dev *devsim.Device, want map[string]any) {
	t.Helper()
	testserver.Eventually(t, e2eWait, func() error {
		got := dev.Values()
		for k, v := range want {
			if got[k] != v {
				return fmt.Errorf("device %s = %#v, want %#v (all: %v)", k, got[k], v, got)
			}
		}
		return nil
	})
}

// demoLampNames are every datapoint of examples/products/demo-lamp.json.
var demoLampNames = []string{
	"LED_OnOff", "LED_Color", "LED_R", "Motor_Speed", "Infrared", "Temperature", "Humidity", "Alert_Overheat", "Fault_LED",
}

// ---- tests ----

// TestWechatSDKSequence replays gizwits-wechat-js-sdk v0.3.0 as a browser
// runs it (notes §7.1 steps 1–8) with socketType "socket" (plain ws) and
// commType "attrs_v4".
func TestWechatSDKSequence(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	app, err := srv.Admin.CreateApp(ctx, "wechat mini program")
	if err != nil {
		t.Fatal(err)
	}
	product, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, product.ProductKey, schema, "a1b2c3d4e5f6")
	srv.WaitOnline(t, dev.DID(), true)
	const openID = "oWx-mini-program-open-id"
	api := srv.HTTPURL

	// 1. init(): anonymous user from the WeChat openId.
	r := browserCall(t, "POST", api+"/app/users", map[string]string{
		"X-Gizwits-Application-Id": app.AppID, "Content-Type": "application/json",
	}, `{"phone_id":"`+openID+`","lang":"en"}`)
	user := r.object(t, "init (POST /app/users)", is2xx)
	uid, _ := user["uid"].(string)
	token, _ := user["token"].(string)
	if uid == "" || token == "" {
		t.Fatalf("init reply without uid/token: %s", r.body)
	}

	// The app binds the scanned device for this user (not part of the SDK).
	r = browserCall(t, "POST", api+"/app/bindings", map[string]string{
		"X-Gizwits-Application-Id": app.AppID, "X-Gizwits-User-token": token, "Content-Type": "application/json",
	}, `{"devices":[{"did":"`+dev.DID()+`","passcode":"`+dev.Passcode()+`"}]}`)
	bound := r.object(t, "POST /app/bindings", is200)
	if fmt.Sprint(bound["success"]) != fmt.Sprint([]any{dev.DID()}) || fmt.Sprint(bound["failed"]) != "[]" {
		t.Fatalf("bind: %s", r.body)
	}

	// 2. Paged bindings with both headers.
	devices := pagedBindings(t, func(path string) e2eReply {
		return browserCall(t, "GET", api+path, map[string]string{
			"X-Gizwits-Application-Id": app.AppID, "X-Gizwits-User-token": token,
		}, "")
	})
	if len(devices) != 1 {
		t.Fatalf("bindings list %d devices, want 1: %+v", len(devices), devices)
	}
	d := devices[0]
	if d.did != dev.DID() || d.productKey != product.ProductKey || !strings.EqualFold(d.mac, "a1b2c3d4e5f6") || !d.online {
		t.Fatalf("binding entry %v", d.raw)
	}
	if d.host == "" {
		t.Fatalf("binding entry without host: %v", d.raw)
	}

	// 3. connect(did): the socket address comes from the binding entry.
	c := dialWS(t, d.wsURL())

	// 4. login_req as the SDK builds it.
	c.send(loginReq(app.AppID, uid, token, 180, false))

	// 5. login_res success → ping, then subscribe_req.
	c.loginOK()
	c.send(map[string]any{"cmd": "ping"})
	c.send(map[string]any{"cmd": "subscribe_req", "data": []map[string]any{{"did": d.did}}})
	got := c.expect(wantCmd("pong"), wantCmd("subscribe_res"), wantOnline(d.did, true))
	checkSubscribed(t, got["subscribe_res"], d.did)

	// 6. read(did, null) → every datapoint, as the device holds them.
	c.send(map[string]any{"cmd": "c2s_read", "data": map[string]any{"did": d.did}})
	noti := c.expect(wantData("s2c_noti (read)", "s2c_noti", d.did, nil))["s2c_noti (read)"]
	var read struct {
		Attrs map[string]any `json:"attrs"`
	}
	noti.data(t, &read)
	if len(read.Attrs) != len(demoLampNames) {
		t.Errorf("read answered %d datapoints, want %d: %s", len(read.Attrs), len(demoLampNames), noti.raw)
	}
	if want := dev.Values(); !reflect.DeepEqual(read.Attrs, want) {
		t.Errorf("read answered %v, device holds %v", read.Attrs, want)
	}

	// 7. write(did, attrs): the device takes the values and reports them.
	written := map[string]any{"LED_OnOff": true, "LED_Color": "purple"}
	if before := dev.Values(); before["LED_OnOff"] == true || before["LED_Color"] == "purple" {
		t.Fatalf("device already holds the values to write: %v", before)
	}
	c.send(map[string]any{"cmd": "c2s_write", "data": map[string]any{"did": d.did, "attrs": written}})
	waitDeviceValues(t, dev, written)
	c.expect(wantNoti(d.did, written))

	// send(did, raw): transparent data (action 0x05) in a P0 0x0090 frame,
	// echoed by the device as 0x06.
	c.send(map[string]any{"cmd": "c2s_raw", "data": map[string]any{
		"did": d.did, "raw": []int{0, 0, 0, 3, 6, 0, 0, 0x90, 0x05, 0xCA, 0xFE},
	}})
	echo := c.expect(wantData("s2c_raw", "s2c_raw", d.did, nil))["s2c_raw"]
	var rawData struct {
		Raw []int `json:"raw"`
	}
	echo.data(t, &rawData)
	if n := len(rawData.Raw); n < 3 || !reflect.DeepEqual(rawData.Raw[n-3:], []int{0x06, 0xCA, 0xFE}) {
		t.Fatalf("s2c_raw %v does not end 06 CA FE", rawData.Raw)
	}

	// 8. The device goes away.
	dev.Stop()
	c.expect(wantOnline(d.did, false))
	c.quiet()
}

// TestPythonClientSequence replays pyGizwits (notes §7.3) and then
// ha-bestway's auto-subscribing WebSocket session (§7.4, §6) on the same
// node, over plain ws (the test node has no TLS in front).
func TestPythonClientSequence(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	app, err := srv.Admin.CreateApp(ctx, "python clients")
	if err != nil {
		t.Fatal(err)
	}
	product, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, product.ProductKey, schema, "b1b2c3d4e5f6")
	srv.WaitOnline(t, dev.DID(), true)
	api := srv.HTTPURL
	appHdr := map[string]string{"X-Gizwits-Application-Id": app.AppID, "Content-Type": "application/json"}

	// Account setup, then pyGizwits' login.
	r := e2eCall(t, "POST", api+"/app/users", appHdr, `{"username":"py-user","password":"py-secret-1"}`)
	r.object(t, "POST /app/users", is2xx)
	r = e2eCall(t, "POST", api+"/app/login", appHdr, `{"username":"py-user","password":"py-secret-1","lang":"en"}`)
	login := r.object(t, "POST /app/login", is200)
	uid, _ := login["uid"].(string)
	token, _ := login["token"].(string)
	if uid == "" || token == "" {
		t.Fatalf("login reply without uid/token: %s", r.body)
	}
	userHdr := map[string]string{"X-Gizwits-Application-Id": app.AppID, "X-Gizwits-User-Token": token}
	userJSON := map[string]string{"Content-Type": "application/json"}
	for k, v := range userHdr {
		userJSON[k] = v
	}
	r = e2eCall(t, "POST", api+"/app/bindings", userJSON, `{"devices":[{"did":"`+dev.DID()+`","passcode":"`+dev.Passcode()+`"}]}`)
	r.object(t, "POST /app/bindings", is200)

	// Paged bindings, indexed without defaults.
	devices := pagedBindings(t, func(path string) e2eReply { return e2eCall(t, "GET", api+path, userHdr, "") })
	if len(devices) != 1 || devices[0].did != dev.DID() || !devices[0].online {
		t.Fatalf("bindings: %+v", devices)
	}
	d := devices[0]
	for _, k := range []string{"product_name", "protoc", "mcu_soft_version", "mcu_hard_version", "wifi_soft_version", "wifi_hard_version"} {
		if _, ok := d.raw[k]; !ok {
			t.Errorf("binding entry lacks %q, which pyGizwits indexes: %v", k, d.raw)
		}
	}

	// Latest data: updated_at > 0 means there is data.
	testserver.Eventually(t, e2eWait, func() error {
		r := e2eCall(t, "GET", api+"/app/devdata/"+d.did+"/latest", userHdr, "")
		latest := r.object(t, "devdata latest", is200)
		at, ok := latest["updated_at"].(float64)
		if !ok {
			t.Fatalf("latest updated_at = %#v: %s", latest["updated_at"], r.body)
		}
		if at <= 0 {
			return fmt.Errorf("no data yet: %s", r.body)
		}
		attr, ok := latest["attr"].(map[string]any)
		if !ok {
			t.Fatalf("latest attr is not an object: %s", r.body)
		}
		if _, ok := attr["Temperature"].(float64); !ok {
			t.Fatalf("latest attr without a numeric Temperature: %s", r.body)
		}
		if latest["did"] != d.did {
			t.Fatalf("latest did: %s", r.body)
		}
		return nil
	})

	// Control; the reply must be a JSON body.
	control := func(v int) {
		t.Helper()
		r := e2eCall(t, "POST", api+"/app/control/"+d.did, userJSON, `{"attrs":{"LED_R":`+strconv.Itoa(v)+`}}`)
		if m := r.object(t, "POST /app/control", is200); len(m) != 0 {
			t.Errorf("control reply %s, want {}", r.body)
		}
		waitDeviceValues(t, dev, map[string]any{"LED_R": float64(v)})
	}
	if dev.Values()["LED_R"] == 42.0 {
		t.Fatal("device already holds LED_R 42")
	}
	control(42)

	// pyGizwits' socket: login_req, a ping at once, subscribe_req.
	c := dialWS(t, d.wsURL())
	c.send(loginReq(app.AppID, uid, token, 180, false))
	c.loginOK()
	c.send(map[string]any{"cmd": "ping"})
	c.send(map[string]any{"cmd": "subscribe_req", "data": []map[string]any{{"did": d.did}}})
	got := c.expect(wantCmd("pong"), wantCmd("subscribe_res"), wantOnline(d.did, true))
	checkSubscribed(t, got["subscribe_res"], d.did)
	// The next report (the device reports after every write) arrives.
	control(43)
	c.expect(wantNoti(d.did, map[string]any{"LED_R": 43.0}))

	// ha-bestway's socket: unpaged bindings, then auto_subscribe with a
	// heartbeat above the documented maximum (heatzy's 600): clamped, not
	// refused, and notifications arrive without subscribe_req.
	r = e2eCall(t, "GET", api+"/app/bindings", userHdr, "")
	list, _ := r.object(t, "GET /app/bindings (unpaged)", is200)["devices"].([]any)
	if len(list) != 1 {
		t.Fatalf("unpaged bindings: %s", r.body)
	}
	bd := readDevice(t, list[0])
	hb := dialWS(t, bd.wsURL())
	hb.send(loginReq(app.AppID, uid, token, 600, true))
	hb.loginOK()
	online := wantOnline(bd.did, true)
	var status map[string]any
	hb.expect(online)[online.name].data(t, &status)
	if status["is_online"] != true {
		t.Errorf("s2c_online_status without is_online true (ha-bestway reads it): %v", status)
	}
	if !srv.Log.Contains("ws login", "heartbeat=180", "auto_subscribe=true") || srv.Log.Contains("heartbeat=600") {
		var logins []string
		for _, line := range strings.Split(srv.Log.String(), "\n") {
			if strings.Contains(line, "ws login") {
				logins = append(logins, line)
			}
		}
		t.Errorf("heartbeat_interval 600 was not clamped to 180; ws login log lines:\n%s", strings.Join(logins, "\n"))
	}
	control(44)
	hb.expect(wantNoti(bd.did, map[string]any{"LED_R": 44.0}))
	c.expect(wantNoti(d.did, map[string]any{"LED_R": 44.0}))
	hb.quiet()
	c.quiet()
}
