package admin_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestWireShapes pins the JSON keys of every kind of admin answer, read
// raw over HTTP: the shapes live in adminapi and adminclient decodes them,
// so a field renamed there must fail here, not only in the client.
func TestWireShapes(t *testing.T) {
	srv := testserver.Start(t)
	p, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e1f")
	srv.WaitOnline(t, dev.DID(), true)
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.HTTPURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	_, b := call("POST", "/admin/v1/apps", `{"name":"wire"}`)
	var app struct{ AppID string }
	_ = json.Unmarshal(b, &app)
	_, b = call("POST", "/admin/v1/partners", `{"name":"wire","push_url":"https://wire.example/push"}`)
	var partner struct {
		AppID string `json:"app_id"`
	}
	_ = json.Unmarshal(b, &partner)

	productKeys := "created_at name product_key product_secret"
	appKeys := "app_secret appid created_at name"
	deviceKeys := "created_at did is_disabled is_online last_seen mac passcode product_key"
	partnerKeys := "app_id app_key created_at key_id name push push_app_key push_app_secret push_sign push_url " +
		"suspended suspended_at suspended_reason user_app_id"
	pushKeys := "attempts_5m delivered failed_5m last_error pending state suspended_at warned_at"
	for _, c := range []struct {
		method, path, body string
		status             int
		want               map[string]string // JSON path -> its keys, sorted, space-separated
	}{
		{"GET", "/admin/v1/products", "", 200, map[string]string{"": "products", "products[]": productKeys}},
		{"GET", "/admin/v1/products/" + p.ProductKey, "", 200, map[string]string{"": productKeys + " schema"}},
		{"GET", "/admin/v1/apps", "", 200, map[string]string{"": "apps", "apps[]": appKeys}},
		{"GET", "/admin/v1/apps/" + app.AppID, "", 200, map[string]string{"": appKeys}},
		{"GET", "/admin/v1/devices", "", 200, map[string]string{"": "devices", "devices[]": deviceKeys}},
		{"POST", "/admin/v1/devices/" + dev.DID() + "/control", `{"read":true}`, 200, map[string]string{"": ""}},
		{"POST", "/admin/v1/devices/" + dev.DID() + "/disable", "", 200, map[string]string{"": deviceKeys}},
		{"POST", "/admin/v1/devices/" + dev.DID() + "/enable", "", 200, map[string]string{"": deviceKeys}},
		{"GET", "/admin/v1/partners", "", 200, map[string]string{"": "partners", "partners[]": partnerKeys, "partners[].push": pushKeys}},
		{"GET", "/admin/v1/partners/" + partner.AppID, "", 200, map[string]string{"": partnerKeys, "push": pushKeys}},
		{"GET", "/admin/v1/partners/" + partner.AppID + "/pushes/failed", "", 200, map[string]string{"": "pushes"}},
		{"GET", "/admin/v1/partners/" + partner.AppID + "/auth-codes", "", 200, map[string]string{"": "auth_codes"}},
		{"GET", "/admin/v1/interconnect/pairs", "", 200, map[string]string{"": "pairs"}},
		{"DELETE", "/admin/v1/users/nobody/tokens", "", 404, map[string]string{"": "error", "error": "code message"}},
	} {
		status, body := call(c.method, c.path, c.body)
		if status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, status, body, c.status)
			continue
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			continue
		}
		got := map[string]string{}
		keysOf(v, "", got)
		for path, want := range c.want {
			if got[path] != want {
				t.Errorf("%s %s: keys of %q = %q, want %q", c.method, c.path, path, got[path], want)
			}
		}
	}
	// The device with its state (once its first report is stored) has the
	// two extra keys.
	testserver.Eventually(t, 10e9, func() error {
		_, body := call("GET", "/admin/v1/devices/"+dev.DID(), "")
		var d map[string]any
		if err := json.Unmarshal(body, &d); err != nil {
			return err
		}
		got := map[string]string{}
		keysOf(d, "", got)
		if want := "attrs created_at did is_disabled is_online last_seen mac passcode product_key updated_at"; got[""] != want {
			return fmt.Errorf("GET device: keys %q, want %q", got[""], want)
		}
		return nil
	})
}

// keysOf records the sorted keys of every object in v by its path; the
// objects of an array share the path "name[]".
func keysOf(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		var ks []string
		for k, e := range x {
			ks = append(ks, k)
			keysOf(e, strings.TrimPrefix(path+"."+k, "."), out)
		}
		sort.Strings(ks)
		if prev, ok := out[path]; ok && prev != strings.Join(ks, " ") {
			out[path] = prev + " | " + strings.Join(ks, " ") // objects of one array disagree
			return
		}
		out[path] = strings.Join(ks, " ")
	case []any:
		for _, e := range x {
			keysOf(e, path+"[]", out)
		}
	}
}
