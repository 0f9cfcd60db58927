package gizapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// env is a running node with one app and the demo lamp product.
type env struct {
	t       *testing.T
	srv     *testserver.Server
	app     adminclient.App
	product adminclient.Product
	schema  *datapoint.Schema
}

func start(t *testing.T, opts ...testserver.Option) *env {
	t.Helper()
	srv := testserver.Start(t, opts...)
	app, err := srv.Admin.CreateApp(context.Background(), "test app")
	if err != nil {
		t.Fatal(err)
	}
	p, schema := srv.CreateProduct(t, "demo-lamp.json")
	return &env{t: t, srv: srv, app: app, product: p, schema: schema}
}

// withConfig adapts a config tweak to a testserver option.
func withConfig(f func(*server.Config)) testserver.Option { return testserver.Option(f) }

// reply is one HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object, failing the test otherwise.
func (r reply) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("reply %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return m
}

// hdr is a set of request headers.
type hdr map[string]string

func (e *env) appHdr() hdr { return hdr{"X-Gizwits-Application-Id": e.app.AppID} }

func (e *env) userHdr(token string) hdr {
	return hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-User-token": token}
}

// do sends a request; body is nil, a string or []byte sent as is, or a
// value sent as JSON.
func (e *env) do(method, path string, h hdr, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.HTTPURL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// wantOK fails unless the reply has the status and a JSON content type.
func wantOK(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

// wantErr fails unless the reply is the Gizwits error code with its status.
func wantErr(t *testing.T, r reply, status, code int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	m := r.obj(t)
	if m["error_code"] != float64(code) {
		t.Fatalf("error_code %v, want %d: %s", m["error_code"], code, r.body)
	}
	if _, ok := m["error_message"].(string); !ok {
		t.Fatalf("no error_message: %s", r.body)
	}
	// Every refusal any test provokes must be clean, not just the ones
	// refusal_test.go aims at.
	detail, _ := m["detail_message"].(string)
	testserver.CheckClientText(t, m["error_message"].(string)+": "+detail, "")
}

// anonUser signs an anonymous user up and returns uid and token.
func (e *env) anonUser(phoneID string) (string, string) {
	e.t.Helper()
	r := e.do("POST", "/app/users", e.appHdr(), map[string]any{"phone_id": phoneID, "lang": "en"})
	wantOK(e.t, r, http.StatusCreated)
	m := r.obj(e.t)
	return m["uid"].(string), m["token"].(string)
}

// register pre-registers a device (never connected) and returns did and
// passcode.
func (e *env) register(mac string) (string, string) {
	e.t.Helper()
	d, err := e.srv.Admin.RegisterDevice(context.Background(), e.product.ProductKey, mac, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return d.DID, d.Passcode
}

// bind binds devices (did, passcode pairs) to the token's user and fails
// unless all succeed.
func (e *env) bind(token string, pairs ...string) {
	e.t.Helper()
	var devs []map[string]string
	for i := 0; i+1 < len(pairs); i += 2 {
		devs = append(devs, map[string]string{"did": pairs[i], "passcode": pairs[i+1]})
	}
	r := e.do("POST", "/app/bindings", e.userHdr(token), map[string]any{"devices": devs})
	wantOK(e.t, r, http.StatusOK)
	var got struct{ Success, Failed []string }
	if err := json.Unmarshal(r.body, &got); err != nil {
		e.t.Fatal(err)
	}
	if len(got.Success) != len(devs) || len(got.Failed) != 0 {
		e.t.Fatalf("bind: %s", r.body)
	}
}

// mac returns a distinct MAC for the n-th test device.
func mac(n int) string { return fmt.Sprintf("aabbcc%06x", n) }

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, cond func() error) {
	t.Helper()
	testserver.Eventually(t, 10*time.Second, cond)
}
