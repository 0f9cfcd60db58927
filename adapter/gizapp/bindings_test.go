package gizapp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// page lists the dids of one GET /app/bindings page.
func (e *env) page(token, query string) []string {
	e.t.Helper()
	r := e.do("GET", "/app/bindings"+query, e.userHdr(token), nil)
	wantOK(e.t, r, http.StatusOK)
	var got struct {
		Devices []map[string]any `json:"devices"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		e.t.Fatal(err)
	}
	if got.Devices == nil {
		e.t.Fatalf("devices is not a list: %s", r.body)
	}
	dids := []string{}
	for _, d := range got.Devices {
		dids = append(dids, d["did"].(string))
	}
	return dids
}

func TestBindListUpdateUnbind(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	did1, pc1 := e.register(mac(1))
	did2, _ := e.register(mac(2))

	r := e.do("POST", "/app/bindings", e.userHdr(tok), map[string]any{"devices": []map[string]string{
		{"did": did1, "passcode": pc1, "remark": "kitchen", "dev_alias": "lamp"},
		{"did": did2, "passcode": "wrong"},
		{"did": "nosuchdid"},
	}})
	wantOK(t, r, http.StatusOK)
	if string(r.body) != fmt.Sprintf(`{"success":["%s"],"failed":["%s","nosuchdid"]}`+"\n", did1, did2) {
		t.Fatalf("bind reply %s", r.body)
	}

	r = e.do("GET", "/app/bindings", e.userHdr(tok), nil)
	wantOK(t, r, http.StatusOK)
	var list struct{ Devices []map[string]any }
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Devices) != 1 {
		t.Fatalf("list %s", r.body)
	}
	d := list.Devices[0]
	want := map[string]any{
		"did": did1, "product_key": e.product.ProductKey, "mac": mac(1), "passcode": pc1, "is_online": false,
		"host": "127.0.0.1", "remark": "kitchen", "dev_alias": "lamp", "role": "owner", "type": "normal",
		"is_disabled": false, "product_name": "Demo lamp", "protoc": float64(3), "dev_label": []any{},
	}
	for k, v := range want {
		if !reflect.DeepEqual(d[k], v) {
			t.Errorf("%s = %#v, want %#v", k, d[k], v)
		}
	}
	for _, k := range []string{"port", "port_s", "ws_port", "wss_port"} {
		if n, ok := d[k].(float64); !ok || n <= 0 {
			t.Errorf("%s = %v", k, d[k])
		}
	}

	// Edit the notes; the reply echoes all three.
	r = e.do("PUT", "/app/bindings/"+did1, e.userHdr(tok), map[string]any{"dev_alias": "desk lamp", "dev_label": []string{"a", "b"}})
	wantOK(t, r, http.StatusOK)
	if string(r.body) != `{"dev_alias":"desk lamp","dev_label":["a","b"],"remark":"kitchen"}`+"\n" {
		t.Fatalf("update reply %s", r.body)
	}
	r = e.do("GET", "/app/devices/"+did1, e.userHdr(tok), nil)
	wantOK(t, r, http.StatusOK)
	if m := r.obj(t); m["dev_alias"] != "desk lamp" || !reflect.DeepEqual(m["dev_label"], []any{"a", "b"}) || m["did"] != did1 {
		t.Fatalf("device %s", r.body)
	}
	wantErr(t, e.do("PUT", "/app/bindings/"+did1, e.userHdr(tok), map[string]any{}), 400, 9015)
	wantErr(t, e.do("PUT", "/app/bindings/"+did1, e.userHdr(tok), map[string]any{"remark": strings.Repeat("x", 2000)}), 400, 9015)
	wantErr(t, e.do("PUT", "/app/bindings/"+did2, e.userHdr(tok), map[string]any{"remark": "x"}), 401, 9017)

	r = e.do("DELETE", "/app/bindings", e.userHdr(tok), map[string]any{"devices": []map[string]string{{"did": did1}, {"did": did2}}})
	wantOK(t, r, http.StatusOK)
	if string(r.body) != fmt.Sprintf(`{"success":["%s"],"failed":["%s"]}`+"\n", did1, did2) {
		t.Fatalf("unbind reply %s", r.body)
	}
	if got := e.page(tok, ""); len(got) != 0 {
		t.Fatalf("after unbind %v", got)
	}
	wantErr(t, e.do("GET", "/app/devices/"+did1, e.userHdr(tok), nil), 401, 9017)
}

func TestBindingsBadRequests(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	for name, body := range map[string]any{
		"no devices":   map[string]any{},
		"empty list":   map[string]any{"devices": []any{}},
		"no did":       map[string]any{"devices": []map[string]string{{"passcode": "x"}}},
		"not JSON":     "devices",
		"two values":   `{"devices":[{"did":"a"}]} {}`,
		"too many":     map[string]any{"devices": make([]map[string]string, 101)},
		"devices type": map[string]any{"devices": "abc"},
	} {
		t.Run(name, func(t *testing.T) {
			wantErr(t, e.do("POST", "/app/bindings", e.userHdr(tok), body), 400, 9015)
			wantErr(t, e.do("DELETE", "/app/bindings", e.userHdr(tok), body), 400, 9015)
		})
	}
	for _, q := range []string{"?limit=0", "?limit=x", "?skip=-1", "?show_disabled=2"} {
		wantErr(t, e.do("GET", "/app/bindings"+q, e.userHdr(tok), nil), 400, 9015)
	}
}

func TestBindingsPagination(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	var all []string
	var pairs []string
	for i := range 5 {
		did, pc := e.register(mac(i))
		all = append(all, did)
		pairs = append(pairs, did, pc)
	}
	e.bind(tok, pairs...)

	// Bindings list in binding order (time, then did), so the reference
	// order is the full listing's.
	ref := e.page(tok, "")
	if !sameSet(ref, all) {
		t.Fatalf("default page %v, want %v", ref, all)
	}
	all = ref
	var paged []string
	for skip := 0; ; skip += 2 {
		got := e.page(tok, fmt.Sprintf("?limit=2&skip=%d", skip))
		paged = append(paged, got...)
		if len(got) < 2 {
			break
		}
	}
	if !reflect.DeepEqual(paged, all) {
		t.Fatalf("paged %v, want %v", paged, all)
	}
	if got := e.page(tok, "?skip=5"); len(got) != 0 {
		t.Fatalf("past the end: %v", got)
	}
	if got := e.page(tok, "?skip=1000000"); len(got) != 0 {
		t.Fatalf("far past the end: %v", got)
	}
	if got := e.page(tok, "?limit=100000"); len(got) != 5 {
		t.Fatalf("capped limit: %v", got)
	}

	// A disabled device is hidden unless asked for, and skip counts only
	// what is shown.
	if _, err := e.srv.Admin.SetDeviceDisabled(t.Context(), all[1], true); err != nil {
		t.Fatal(err)
	}
	visible := []string{all[0], all[2], all[3], all[4]}
	if got := e.page(tok, "?show_disabled=0"); !reflect.DeepEqual(got, visible) {
		t.Fatalf("without disabled %v, want %v", got, visible)
	}
	if got := e.page(tok, "?show_disabled=0&limit=2&skip=1"); !reflect.DeepEqual(got, visible[1:3]) {
		t.Fatalf("page without disabled %v", got)
	}
	if got := e.page(tok, "?show_disabled=1&limit=2&skip=1"); !reflect.DeepEqual(got, all[1:3]) {
		t.Fatalf("page with disabled %v", got)
	}
	r := e.do("GET", "/app/devices/"+all[1], e.userHdr(tok), nil)
	wantOK(t, r, http.StatusOK)
	if r.obj(t)["is_disabled"] != true {
		t.Fatalf("disabled device %s", r.body)
	}
}

// A user sees, edits, reads and controls only the devices bound to it.
func TestOtherUsersDevicesRefused(t *testing.T) {
	e := start(t)
	_, tokA := e.anonUser("a")
	_, tokB := e.anonUser("b")
	did, pc := e.register(mac(1))
	e.bind(tokA, did, pc)

	wantErr(t, e.do("GET", "/app/devices/"+did, e.userHdr(tokB), nil), 401, 9017)
	wantErr(t, e.do("GET", "/app/devdata/"+did+"/latest", e.userHdr(tokB), nil), 401, 9017)
	wantErr(t, e.do("POST", "/app/control/"+did, e.userHdr(tokB), map[string]any{"attrs": map[string]any{"LED_OnOff": true}}), 401, 9017)
	wantErr(t, e.do("PUT", "/app/bindings/"+did, e.userHdr(tokB), map[string]any{"remark": "mine"}), 401, 9017)
	r := e.do("DELETE", "/app/bindings", e.userHdr(tokB), map[string]any{"devices": []map[string]string{{"did": did}}})
	wantOK(t, r, http.StatusOK)
	if string(r.body) != fmt.Sprintf(`{"success":[],"failed":["%s"]}`+"\n", did) {
		t.Fatalf("B unbinding A's device: %s", r.body)
	}
	if got := e.page(tokB, ""); len(got) != 0 {
		t.Fatalf("B lists %v", got)
	}
	if got := e.page(tokA, ""); len(got) != 1 {
		t.Fatalf("A lost its binding: %v", got)
	}
	// An unknown did looks the same as a foreign one.
	wantErr(t, e.do("GET", "/app/devices/nosuchdid", e.userHdr(tokB), nil), 401, 9017)
}

func TestUnsupportedEndpoints(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	for _, c := range []struct{ method, path string }{
		{"GET", "/app/group"}, {"GET", "/app/scene"}, {"PATCH", "/app/users"}, {"GET", "/app/control/x"},
	} {
		wantErr(t, e.do(c.method, c.path, e.userHdr(tok), nil), 400, 9045)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
