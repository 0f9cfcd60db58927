package gizapp_test

// Clean-room replays of what real Gizwits clients send and read (notes
// §7): the exact requests, and reads of the replies done the way those
// clients do them (indexing keys without defaults). No client code is
// used, only the call sequences the notes record.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// deviceKeys are every key of the device object in notes §5.2: the
// documented ones, the ones of a real reply, and the ones pyGizwits and
// ha-bestway index without defaults.
var deviceKeys = []string{
	"product_key", "did", "mac", "is_online", "passcode", "host", "port", "port_s", "ws_port", "wss_port",
	"remark", "is_disabled", "type", "dev_alias", "dev_label", "role", "proto_ver", "wifi_soft_version", "is_sandbox",
	"protoc", "product_name", "gw_did", "sleep_duration", "state_last_timestamp", "mesh_id", "is_low_power",
	"mcu_soft_version", "mcu_hard_version", "wifi_hard_version",
}

// checkDeviceKeys fails unless every key is present, and the ports the JS
// SDKs build socket URLs from are numbers.
func checkDeviceKeys(t *testing.T, d map[string]any) {
	t.Helper()
	for _, k := range deviceKeys {
		if _, ok := d[k]; !ok {
			t.Errorf("device object lacks %q", k)
		}
	}
	for _, k := range []string{"port", "port_s", "ws_port", "wss_port", "protoc"} {
		if _, ok := d[k].(float64); !ok {
			t.Errorf("%s = %#v, want a number", k, d[k])
		}
	}
	if d["type"] != "normal" {
		t.Errorf("type %v", d["type"])
	}
}

// The wechat JS SDK's init(), notes §7.1 steps 1-2, as jsdom runs it: a
// preflight, POST /app/users {"phone_id","lang"} with the appid, then
// GET /app/bindings?show_disabled=0&limit=20&skip=N (each after its own
// preflight) while a page holds exactly 20 devices.
func TestWechatJSSDKInit(t *testing.T) {
	e := start(t)
	const openID, origin = "oWx-open-id-of-the-user", "https://wx.example"

	// Setup: 21 devices bound to that install's user, so the SDK pages.
	_, tok := e.anonUser(openID)
	var pairs []string
	want := map[string]bool{}
	for i := range 21 {
		did, pc := e.register(mac(100 + i))
		pairs = append(pairs, did, pc)
		want[did] = true
	}
	e.bind(tok, pairs...)

	// 1. init(): sign in anonymously.
	r := e.do("OPTIONS", "/app/users", preflightHdr(origin, "POST"), nil)
	if r.status/100 != 2 || r.header.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("preflight %d %v", r.status, r.header)
	}
	r = e.do("POST", "/app/users", hdr{"X-Gizwits-Application-Id": e.app.AppID, "Content-Type": "application/json", "Origin": origin},
		`{"phone_id":"`+openID+`","lang":"en"}`)
	if r.status/100 != 2 {
		t.Fatalf("init: %d %s", r.status, r.body)
	}
	var login map[string]any
	if err := json.Unmarshal(r.body, &login); err != nil {
		t.Fatal(err)
	}
	uid, token := login["uid"].(string), login["token"].(string)
	if uid == "" || token == "" {
		t.Fatalf("init reply %s", r.body)
	}

	// 2. Paged bindings.
	seen := map[string]bool{}
	pages := 0
	for skip := 0; ; skip += 20 {
		path := fmt.Sprintf("/app/bindings?show_disabled=0&limit=20&skip=%d", skip)
		if r := e.do("OPTIONS", path, preflightHdr(origin, "GET"), nil); r.status/100 != 2 {
			t.Fatalf("preflight %d", r.status)
		}
		r := e.do("GET", path, hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-User-token": token, "Origin": origin}, nil)
		if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") == "" {
			t.Fatalf("bindings %d %v %s", r.status, r.header, r.body)
		}
		pages++
		var reply map[string]any
		if err := json.Unmarshal(r.body, &reply); err != nil {
			t.Fatal(err)
		}
		devices := reply["devices"].([]any)
		for _, x := range devices {
			d := x.(map[string]any)
			// The fields the SDK reads.
			_ = d["mac"].(string)
			_ = d["product_key"].(string)
			_ = d["is_online"].(bool)
			_ = d["dev_alias"].(string)
			_ = d["remark"].(string)
			if d["host"].(string) == "" || d["ws_port"].(float64) == 0 || d["wss_port"].(float64) == 0 {
				t.Fatalf("no socket address in %v", d)
			}
			seen[d["did"].(string)] = true
		}
		if len(devices) != 20 {
			break
		}
	}
	if pages != 2 || len(seen) != 21 {
		t.Fatalf("%d pages, %d devices", pages, len(seen))
	}
	for did := range want {
		if !seen[did] {
			t.Fatalf("did %s missing", did)
		}
	}
}

// pyGizwits and ha-bestway: POST /app/login {"username","password","lang"},
// bindings (paged by pyGizwits, unpaged by bestway) read with plain
// indexing, GET /app/devdata/{did}/latest reading updated_at and attr, and
// POST /app/control/{did} {"attrs"} whose reply must be JSON.
func TestPythonClients(t *testing.T) {
	e := start(t)
	dev := e.srv.StartDevice(t, e.product.ProductKey, e.schema, mac(1))
	e.srv.WaitOnline(t, dev.DID(), true)
	wantOK(t, e.do("POST", "/app/users", e.appHdr(), map[string]any{"username": "spa-owner", "password": "secret-1"}), http.StatusCreated)

	r := e.do("POST", "/app/login", hdr{"X-Gizwits-Application-Id": e.app.AppID, "Content-type": "application/json; charset=UTF-8"},
		map[string]any{"username": "spa-owner", "password": "secret-1", "lang": "en"})
	wantOK(t, r, http.StatusOK)
	login := r.obj(t)
	token := login["token"].(string)
	_ = login["uid"].(string)
	_ = login["expire_at"].(float64)
	e.bind(token, dev.DID(), dev.Passcode())
	user := hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-User-Token": token}

	for _, path := range []string{"/app/bindings?show_disabled=0&limit=20&skip=0", "/app/bindings"} {
		r = e.do("GET", path, user, nil)
		wantOK(t, r, http.StatusOK)
		devices := r.obj(t)["devices"].([]any)
		if len(devices) != 1 {
			t.Fatalf("%s: %s", path, r.body)
		}
		d := devices[0].(map[string]any)
		checkDeviceKeys(t, d)
		if d["did"] != dev.DID() || d["product_name"] != "Demo lamp" || d["is_online"] != true {
			t.Fatalf("device %v", d)
		}
	}

	eventually(t, func() error {
		r := e.do("GET", "/app/devdata/"+dev.DID()+"/latest", user, nil)
		latest := r.obj(t)
		if latest["updated_at"].(float64) == 0 {
			return fmt.Errorf("no data yet: %s", r.body)
		}
		if _, ok := latest["attr"].(map[string]any)["LED_R"]; !ok {
			return fmt.Errorf("attr without LED_R: %s", r.body)
		}
		return nil
	})

	r = e.do("POST", "/app/control/"+dev.DID(), user, map[string]any{"attrs": map[string]any{"LED_OnOff": true}})
	wantOK(t, r, http.StatusOK)
	if len(r.obj(t)) != 0 {
		t.Fatalf("control reply %s", r.body)
	}
	waitValue(t, dev, "LED_OnOff", true)

	// The error codes the Python clients map to exceptions are integers.
	r = e.do("POST", "/app/login", e.appHdr(), map[string]any{"username": "spa-owner", "password": "wrong-pw", "lang": "en"})
	var body struct {
		ErrorCode int `json:"error_code"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.ErrorCode != 9020 {
		t.Fatalf("bad login %s", r.body)
	}
	dev.Stop()
	e.srv.WaitOnline(t, dev.DID(), false)
	r = e.do("POST", "/app/control/"+dev.DID(), user, map[string]any{"attrs": map[string]any{"LED_OnOff": false}})
	if err := json.Unmarshal(r.body, &body); err != nil || body.ErrorCode != 9042 {
		t.Fatalf("offline control %s", r.body)
	}
}
