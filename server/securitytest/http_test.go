package securitytest_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/admin"
	"github.com/switchboard-iot/switchboard/adapter/console"
	"github.com/switchboard-iot/switchboard/adapter/devhttp"
	"github.com/switchboard-iot/switchboard/adapter/gizapp"
)

// httpReq is one request of a case. Paths' {did} is did (the victim's
// lamp unless set), {uid} the victim's uid, {appid} partner A's, {key} the
// lamp's product key.
type httpReq struct {
	hdr  map[string]string
	did  string
	body string
}

// httpWant is the refusal a case must get.
type httpWant struct {
	code   int    // Gizwits error_code (its status is checked too)
	batch  bool   // a batch answer: 200, the did failed, nothing succeeded
	ok     bool   // a 2xx answer whose only check is that it leaks nothing
	admin  string // admin error code, with 401
	status int    // for admin and ok answers
}

// httpCase is one case of a row: how to ask (nil: the default for the
// route's access level) and what must come back.
type httpCase struct {
	req  func(w *world, rt string) httpReq
	want httpWant
}

// httpRow is a route's row: public with a reason, or its cases.
type httpRow struct {
	public string
	// body is a valid request body for the route aimed at did.
	body  func(w *world, did string) string
	query string
	cases map[Case]httpCase
}

func gizCode(c int) httpWant { return httpWant{code: c} }

// Gizwits headers.
const (
	hApp   = "X-Gizwits-Application-Id"
	hToken = "X-Gizwits-User-token"
)

// gizappDefaults are the cases every route of an access level has.
func gizappDefaults(access string) map[Case]httpCase {
	switch access {
	case "app":
		return map[Case]httpCase{
			NoCreds: {want: gizCode(9003)},
			WrongCreds: {req: func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: "00000000000000000000000000000000"}}
			}, want: gizCode(9003)},
		}
	case "user":
		tok := func(tok string) func(w *world, _ string) httpReq {
			return func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: w.appA, hToken: tok}}
			}
		}
		return map[Case]httpCase{
			NoCreds:    {want: gizCode(9003)},
			WrongCreds: {req: tok("not-a-token"), want: gizCode(9004)},
			OtherApp: {req: func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: w.appA, hToken: w.b1.token}}
			}, want: gizCode(9004)},
			Expired: {req: func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: w.appA, hToken: w.expiredToken}}
			}, want: gizCode(9006)},
			Revoked: {req: func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: w.appA, hToken: w.revokedToken}}
			}, want: gizCode(9004)},
		}
	}
	return nil
}

// asAttacker is a2's valid request against did.
func asAttacker(did func(w *world) string) func(w *world, _ string) httpReq {
	return func(w *world, _ string) httpReq {
		return httpReq{hdr: map[string]string{hApp: w.appA, hToken: w.a2.token}, did: did(w)}
	}
}

func victimLamp(w *world) string   { return w.victimLamp.did }
func disabledLamp(w *world) string { return w.disabledLamp.did }

func devicesBody(w *world, did string) string {
	return fmt.Sprintf(`{"devices":[{"did":%q,"passcode":"WRONGPASS"}]}`, did)
}

func controlBody(_ *world, _ string) string { return `{"attrs":{"LED_OnOff":true}}` }

// bindMAC signs a bind_mac call with secret at ts for the victim fan's MAC.
func bindMAC(secret string, ts time.Time, productKey func(w *world) string) func(w *world, _ string) httpReq {
	return func(w *world, _ string) httpReq {
		t := strconv.FormatInt(ts.Unix(), 10)
		if secret == "" {
			secret = w.lampSecret
		}
		sum := md5.Sum([]byte(secret + t))
		return httpReq{hdr: map[string]string{hApp: w.appA, hToken: w.a2.token, "X-Gizwits-Timestamp": t, "X-Gizwits-Signature": hex.EncodeToString(sum[:])},
			body: fmt.Sprintf(`{"product_key":%q,"mac":%q}`, productKey(w), w.victimFan.mac)}
	}
}

// gizappRows: one per route of gizapp.Routes(). Cases beyond the access
// level's defaults are the row's own.
var gizappRows = map[string]httpRow{
	"POST /app/users": {body: func(*world, string) string { return `{"username":"newcomer","password":"a fine password"}` }},
	"POST /app/login": {
		body: func(w *world, _ string) string {
			return fmt.Sprintf(`{"username":%q,"password":"wrong password"}`, w.a1.username)
		},
		cases: map[Case]httpCase{
			// The victim's login and password, asked of another app.
			OtherApp: {req: func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: w.appB}, body: fmt.Sprintf(`{"username":%q,"password":%q}`, w.a1.username, w.a1.password)}
			}, want: gizCode(9020)},
			OtherParty: {req: func(w *world, _ string) httpReq {
				return httpReq{hdr: map[string]string{hApp: w.appA}, body: fmt.Sprintf(`{"username":%q,"password":"guessed password"}`, w.a1.username)}
			}, want: gizCode(9020)},
		}},
	"GET /app/users": {},
	"PUT /app/users": {body: func(*world, string) string { return `{"remark":"changed"}` }},
	"POST /app/request_token": {cases: map[Case]httpCase{
		// App B's appid with app A's auth.
		OtherApp: {req: func(w *world, _ string) httpReq {
			sum := md5.Sum([]byte(w.appA + w.appASecret))
			return httpReq{hdr: map[string]string{hApp: w.appB, "X-Gizwits-Application-Auth": hex.EncodeToString(sum[:])}}
		}, want: gizCode(9038)},
	}},
	"GET /app/bindings": {cases: map[Case]httpCase{
		// a2's own list: the victim's devices are not in it.
		OtherParty: {req: asAttacker(victimLamp), want: httpWant{ok: true, status: 200}},
	}},
	"POST /app/bindings": {body: devicesBody, cases: map[Case]httpCase{
		OtherParty: {req: asAttacker(victimLamp), want: httpWant{batch: true}},
	}},
	"DELETE /app/bindings": {body: devicesBody, cases: map[Case]httpCase{
		OtherParty: {req: asAttacker(victimLamp), want: httpWant{batch: true}},
	}},
	"PUT /app/bindings/{did}": {body: func(*world, string) string { return `{"dev_alias":"mine now"}` }, cases: map[Case]httpCase{
		OtherParty: {req: asAttacker(victimLamp), want: gizCode(9017)},
	}},
	"POST /app/bind_mac": {body: func(w *world, _ string) string {
		return fmt.Sprintf(`{"product_key":%q,"mac":%q}`, w.fanKey, w.victimFan.mac)
	}, cases: map[Case]httpCase{
		// Signed with the lamp product's secret, for a fan.
		OtherParty: {req: bindMAC("", time.Now(), func(w *world) string { return w.fanKey }), want: gizCode(9044)},
		WrongCreds: {req: bindMAC("not the secret", time.Now(), func(w *world) string { return w.lampKey }), want: gizCode(9044)},
		Stale:      {req: bindMAC("", time.Now().Add(-10*time.Minute), func(w *world) string { return w.lampKey }), want: gizCode(9043)},
	}},
	"GET /app/devices/{did}": {cases: map[Case]httpCase{
		OtherParty: {req: asAttacker(victimLamp), want: gizCode(9017)},
	}},
	"GET /app/devdata/{did}/latest": {cases: map[Case]httpCase{
		OtherParty: {req: asAttacker(victimLamp), want: gizCode(9017)},
	}},
	"POST /app/control/{did}": {body: controlBody, cases: map[Case]httpCase{
		OtherParty: {req: asAttacker(victimLamp), want: gizCode(9017)},
		Disabled:   {req: asAttacker(disabledLamp), want: gizCode(9023)},
	}},
	"GET /app/datapoint":    {query: "?product_key={key}"},
	"GET /app/openapi.json": {public: "the API description; no data"},
	"GET /status":           {public: "service status for monitors; no data"},
	"GET /errors":           {public: "the error code table; no data"},
}

// adminCases apply to every admin route: the token is all there is.
var adminCases = map[Case]httpCase{
	NoCreds:    {want: httpWant{admin: "unauthorized", status: 401}},
	WrongCreds: {req: bearer(func(*world) string { return "not-the-admin-token" }), want: httpWant{admin: "unauthorized", status: 401}},
	// An app user's token is not an admin token.
	OtherApp: {req: bearer(func(w *world) string { return w.a2.token }), want: httpWant{admin: "unauthorized", status: 401}},
}

func bearer(tok func(*world) string) func(*world, string) httpReq {
	return func(w *world, _ string) httpReq {
		return httpReq{hdr: map[string]string{"Authorization": "Bearer " + tok(w)}}
	}
}

// adminRows: one per admin.Routes() entry; every one needs the admin
// token, so every row has adminCases.
var adminRows = map[string]httpRow{
	"POST /admin/v1/products": {}, "GET /admin/v1/products": {}, "GET /admin/v1/products/{key}": {},
	"POST /admin/v1/apps": {}, "GET /admin/v1/apps": {}, "GET /admin/v1/apps/{appid}": {},
	"POST /admin/v1/devices": {}, "GET /admin/v1/devices": {}, "GET /admin/v1/devices/{did}": {},
	"DELETE /admin/v1/devices/{did}": {}, "POST /admin/v1/devices/{did}/disable": {},
	"POST /admin/v1/devices/{did}/enable": {}, "POST /admin/v1/devices/{did}/control": {body: controlBody},
	"DELETE /admin/v1/users/{uid}/tokens": {},
	"POST /admin/v1/partners":             {}, "GET /admin/v1/partners": {}, "GET /admin/v1/partners/{appid}": {},
	"PUT /admin/v1/partners/{appid}": {}, "POST /admin/v1/partners/{appid}/disable": {},
	"POST /admin/v1/partners/{appid}/enable": {}, "POST /admin/v1/partners/{appid}/push/enable": {},
	"GET /admin/v1/partners/{appid}/pushes/failed": {}, "GET /admin/v1/partners/{appid}/auth-codes": {},
	"GET /admin/v1/interconnect/pairs": {},
	// The catch-all answers 404 to the operator only.
	" /admin/": {},
}

// devhttpRows: the device bootstrap. A device has no credentials before
// it registers, so two routes are public by design (docs/decisions.md).
var devhttpRows = map[string]httpRow{
	"POST /dev/devices":      {public: "GAgent's registration: product_key and MAC (docs/decisions.md: whoever knows both can re-register the device, as on the vendor's cloud)"},
	"GET /dev/devices/{did}": {public: "where the MQTT broker is; reveals nothing of the device"},
	"DELETE /dev/devices": {cases: map[Case]httpCase{
		NoCreds: {req: func(w *world, _ string) httpReq {
			return httpReq{hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "did=" + w.victimLamp.did}
		}, want: gizCode(9016)},
		WrongCreds: {req: func(w *world, _ string) httpReq {
			return httpReq{hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "did=" + w.victimLamp.did + "&passcode=WRONGPASS"}
		}, want: gizCode(9016)},
		// Another device's passcode does not unregister the victim.
		OtherParty: {req: func(w *world, _ string) httpReq {
			return httpReq{hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "did=" + w.victimLamp.did + "&passcode=" + w.disabledLamp.passcode}
		}, want: gizCode(9016)},
	}},
}

// consoleRows: the console is a static page; it holds no data and uses
// the other APIs with the user's own tokens.
var consoleRows = map[string]httpRow{
	"GET /app":                 {public: "the console page (static)"},
	"GET /console/config.json": {public: "the login form's defaults: an app id and a username, never a secret"},
	"GET /console/{path...}":   {public: "the console's static assets"},
	"GET /console":             {public: "a redirect to /app"},
}

func testHTTP(t *testing.T, w *world) {
	type route struct{ method, path, access string }
	surfaces := []struct {
		name   string
		routes []route
		rows   map[string]httpRow
	}{
		{"gizapp", nil, gizappRows}, {"admin", nil, adminRows}, {"devhttp", nil, devhttpRows}, {"console", nil, consoleRows},
	}
	for _, r := range gizapp.Routes() {
		surfaces[0].routes = append(surfaces[0].routes, route{r.Method, r.Path, r.Access})
	}
	for _, r := range admin.Routes() {
		surfaces[1].routes = append(surfaces[1].routes, route{r.Method, r.Path, "admin"})
	}
	for _, r := range devhttp.Routes() {
		surfaces[2].routes = append(surfaces[2].routes, route{r.Method, r.Path, "device"})
	}
	for _, r := range console.Routes() {
		surfaces[3].routes = append(surfaces[3].routes, route{r.Method, r.Path, "public"})
	}
	for _, s := range surfaces {
		seen := map[string]bool{}
		for _, rt := range s.routes {
			key := rt.method + " " + rt.path
			seen[key] = true
			t.Run(s.name+" "+key, func(t *testing.T) {
				row, ok := s.rows[key]
				if !ok {
					noRow(t, s.name+" route "+key)
					return
				}
				if row.public != "" {
					w.tally.add("http", 1)
					checkPublic(t, w, rt.method, rt.path, row)
					return
				}
				cases := map[Case]httpCase{}
				switch rt.access {
				case "admin":
					for c, v := range adminCases {
						cases[c] = v
					}
				case "public":
					t.Fatalf("%s is public in its table but its row gives no reason", key)
				default:
					for c, v := range gizappDefaults(rt.access) {
						cases[c] = v
					}
				}
				for c, v := range row.cases {
					cases[c] = v
				}
				if len(cases) == 0 {
					t.Fatalf("the row for %s has no cases", key)
				}
				w.tally.add("http", len(cases))
				for _, c := range sortedCases(cases) {
					t.Run(string(c), func(t *testing.T) { runHTTPCase(t, w, rt.method, rt.path, row, cases[c]) })
				}
			})
		}
		staleRows(t, s.name, s.rows, seen)
	}
}

// fill substitutes the path parameters.
func fill(w *world, path, did string) string {
	r := strings.NewReplacer("{did}", did, "{uid}", w.a1.uid, "{appid}", w.pA.AppID, "{key}", w.lampKey, "{path...}", "js/main.js")
	return r.Replace(path)
}

func runHTTPCase(t *testing.T, w *world, method, path string, row httpRow, c httpCase) {
	var req httpReq
	if c.req != nil {
		req = c.req(w, method+" "+path)
	}
	if req.did == "" {
		req.did = w.victimLamp.did
	}
	if req.body == "" && row.body != nil {
		req.body = row.body(w, req.did)
	}
	if method == "" {
		method = "GET"
	}
	u := w.srv.HTTPURL + fill(w, path+row.query, req.did)
	status, body := do(t, method, u, req.hdr, req.body)
	requestText := u + fmt.Sprint(req.hdr) + req.body
	if l := w.leaks(requestText, body); len(l) > 0 {
		t.Errorf("%s %s: the answer leaks %v: %s", method, u, l, body)
	}
	switch {
	case c.want.admin != "":
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if status != c.want.status || json.Unmarshal([]byte(body), &e) != nil || e.Error.Code != c.want.admin {
			t.Errorf("%s %s: HTTP %d %s, want %d with error code %q", method, path, status, body, c.want.status, c.want.admin)
		}
	case c.want.batch:
		var b struct{ Success, Failed []string }
		if status != 200 || json.Unmarshal([]byte(body), &b) != nil || len(b.Success) != 0 || len(b.Failed) != 1 || b.Failed[0] != req.did {
			t.Errorf("%s %s: HTTP %d %s, want 200 with %s failed", method, path, status, body, req.did)
		}
	case c.want.ok:
		if status != c.want.status {
			t.Errorf("%s %s: HTTP %d %s, want %d", method, path, status, body, c.want.status)
		}
	default:
		var e struct {
			Code int    `json:"error_code"`
			Msg  string `json:"error_message"`
		}
		want := gizCodeStatus(c.want.code)
		if status != want || json.Unmarshal([]byte(body), &e) != nil || e.Code != c.want.code {
			t.Errorf("%s %s: HTTP %d %s, want HTTP %d with error_code %d", method, path, status, body, want, c.want.code)
		}
	}
}

// gizCodeStatus is the HTTP status of a Gizwits code (gizerr's table).
func gizCodeStatus(code int) int {
	switch code {
	case 9017:
		return 401
	case 9014:
		return 404
	case 9041:
		return 429
	case 9008:
		return 500
	}
	return 400
}

// checkPublic asks a public route without credentials: it answers, and
// the answer carries no secret.
func checkPublic(t *testing.T, w *world, method, path string, row httpRow) {
	u := w.srv.HTTPURL + fill(w, path, w.victimLamp.did)
	status, body := do(t, method, u, nil, "")
	if status >= 500 {
		t.Errorf("%s %s: HTTP %d", method, u, status)
	}
	// A public route's answer may name the did it was asked about, and
	// nothing else of anyone's.
	if l := w.leaks(u, body); len(l) > 0 {
		t.Errorf("public %s %s leaks %v: %.300s", method, path, l, body)
	}
}

func do(t *testing.T, method, u string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = []string{v}
	}
	// No redirects: /console's answer is the redirect itself.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
