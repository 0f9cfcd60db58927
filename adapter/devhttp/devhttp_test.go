package devhttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

func form(t *testing.T, method, u string, v url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func gizCode(t *testing.T, body string) int {
	t.Helper()
	var e struct {
		ErrorCode    int    `json:"error_code"`
		ErrorMessage string `json:"error_message"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.ErrorMessage == "" {
		t.Fatalf("not a Gizwits error body: %q", body)
	}
	return e.ErrorCode
}

func TestRegisterProvisionUnregister(t *testing.T) {
	srv := testserver.Start(t)
	p, _ := srv.CreateProduct(t, "demo-lamp.json")
	reg := url.Values{"product_key": {p.ProductKey}, "mac": {"AA:BB:CC:00:11:22"}, "passcode": {"JHHOOIWJBA"}}

	status, body := form(t, http.MethodPost, srv.HTTPURL+"/dev/devices", reg)
	v, _ := url.ParseQuery(body)
	did := v.Get("did")
	if status != http.StatusCreated || len(did) != 22 {
		t.Fatalf("register = %d %q, want 201 did=<22 chars>", status, body)
	}
	// Same product key and MAC (in another spelling): same did, new passcode.
	reg.Set("mac", "aabbcc001122")
	reg.Set("passcode", "NEWPASSCOD")
	status, body = form(t, http.MethodPost, srv.HTTPURL+"/dev/devices", reg)
	if v, _ := url.ParseQuery(body); status != http.StatusCreated || v.Get("did") != did {
		t.Fatalf("re-register = %d %q, want 201 with did %s", status, body, did)
	}
	d, err := srv.Admin.GetDevice(context.Background(), did)
	if err != nil || d.Passcode != "NEWPASSCOD" || d.MAC != "aabbcc001122" {
		t.Fatalf("device after re-register = %+v, %v", d, err)
	}

	// Provisioning names this server's MQTT listener.
	resp, err := http.Get(srv.HTTPURL + "/dev/devices/" + did)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pv, _ := url.ParseQuery(string(b))
	_, mqttPort, _ := strings.Cut(srv.MQTTAddr, ":")
	if resp.StatusCode != 200 || pv.Get("host") != "127.0.0.1" || pv.Get("port") != mqttPort {
		t.Fatalf("provision = %d %q, want host 127.0.0.1 port %s", resp.StatusCode, b, mqttPort)
	}
	if ts, err := strconv.ParseInt(pv.Get("server_ts"), 10, 64); err != nil || ts < 1.7e9 {
		t.Errorf("server_ts = %q", pv.Get("server_ts"))
	}

	// Unregister needs the passcode.
	status, body = form(t, http.MethodDelete, srv.HTTPURL+"/dev/devices", url.Values{"did": {did}, "passcode": {"JHHOOIWJBA"}})
	if status != 400 || gizCode(t, body) != 9016 {
		t.Fatalf("unregister with the old passcode = %d %q, want 400 9016", status, body)
	}
	status, _ = form(t, http.MethodDelete, srv.HTTPURL+"/dev/devices", url.Values{"did": {did}, "passcode": {"NEWPASSCOD"}})
	if status != 200 {
		t.Fatalf("unregister = %d", status)
	}
	resp, _ = http.Get(srv.HTTPURL + "/dev/devices/" + did)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || gizCode(t, string(b)) != 9014 {
		t.Fatalf("provision after unregister = %d %q, want 404 9014", resp.StatusCode, b)
	}
}

func TestRegisterBadInput(t *testing.T) {
	srv := testserver.Start(t)
	p, _ := srv.CreateProduct(t, "demo-lamp.json")
	cases := []struct {
		name string
		v    url.Values
		code int
	}{
		{"unknown product", url.Values{"product_key": {"ffffffffffffffffffffffffffffffff"}, "mac": {"aabbcc001122"}, "passcode": {"ABC"}}, 9002},
		{"missing mac", url.Values{"product_key": {p.ProductKey}, "passcode": {"ABC"}}, 9015},
		{"mac not hex", url.Values{"product_key": {p.ProductKey}, "mac": {"zzzzzzzzzzzz"}, "passcode": {"ABC"}}, 9015},
		{"missing passcode", url.Values{"product_key": {p.ProductKey}, "mac": {"aabbcc001122"}}, 9015},
		{"passcode too long", url.Values{"product_key": {p.ProductKey}, "mac": {"aabbcc001122"}, "passcode": {strings.Repeat("A", 17)}}, 9015},
		{"passcode with a space", url.Values{"product_key": {p.ProductKey}, "mac": {"aabbcc001122"}, "passcode": {"A B"}}, 9015},
	}
	for _, tc := range cases {
		status, body := form(t, http.MethodPost, srv.HTTPURL+"/dev/devices", tc.v)
		if status != 400 || gizCode(t, body) != tc.code {
			t.Errorf("%s: %d %q, want 400 with error_code %d", tc.name, status, body, tc.code)
		}
	}
	// An oversize body is refused, and the server still answers.
	big := url.Values{"product_key": {p.ProductKey}, "mac": {strings.Repeat("a", 8000)}, "passcode": {"A"}}
	if status, body := form(t, http.MethodPost, srv.HTTPURL+"/dev/devices", big); status != 400 || gizCode(t, body) != 9015 {
		t.Errorf("oversize form: %d %q", status, body)
	}
	if status, _ := form(t, http.MethodPost, srv.HTTPURL+"/dev/devices", url.Values{"product_key": {p.ProductKey}, "mac": {"aabbcc001122"}, "passcode": {"OK"}}); status != 201 {
		t.Errorf("a good registration after bad ones: %d", status)
	}
}
