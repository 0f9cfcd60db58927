package console_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// The operator view: a wrong admin token is refused; with the right one the
// operator uploads a schema and sees products, applications, devices with
// their online state, partners with push health and failed pushes, and
// interconnect pairs (or, on a server without them, "not available").
func TestConsoleOperator(t *testing.T) {
	ctx := browser(t)
	ts := testserver.Start(t)
	p, schema := ts.CreateProduct(t, "demo-lamp.json")
	dev := ts.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e0f")
	ts.WaitOnline(t, dev.DID(), true)
	app := adminPost(t, ts, "/apps", map[string]any{"name": "Operator test app"})
	// user_app_id ties the partner to the app's users where the server
	// knows partners per app; older servers ignore it.
	partner := adminPost(t, ts, "/partners", map[string]any{"name": "Acme Home", "push_url": "http://127.0.0.1:9/push", "user_app_id": app["appid"]})

	run(t, ctx, "open the operator view with a wrong token",
		chromedp.Navigate(ts.HTTPURL+"/app#/operator"),
		chromedp.WaitVisible(css("#admin-form")),
		chromedp.SendKeys(css("#admin-token"), "not-the-token"),
		chromedp.Click(css("#admin-login")))
	waitContains(t, ctx, "#admin-error", "refused")
	if eval[bool](t, ctx, `sessionStorage.getItem('switchboard.admin') !== null`) {
		t.Fatal("a refused admin token was kept")
	}

	run(t, ctx, "open it with the token",
		chromedp.SendKeys(css("#admin-token"), ts.AdminToken),
		chromedp.Click(css("#admin-login")))
	waitJS(t, ctx, "the products tab", `!!document.querySelector('#product-rows tr[data-product-key="`+p.ProductKey+`"]')`)
	if eval[bool](t, ctx, `location.href.includes(`+quote(ts.AdminToken)+`) || JSON.stringify(localStorage).includes(`+quote(ts.AdminToken)+`)`) {
		t.Fatal("the admin token is in the URL or localStorage")
	}

	// Upload a schema through the form; it shows up in the list.
	fan := string(testserver.ExampleSchema(t, "demo-fan-varlen.json"))
	run(t, ctx, "upload a schema", chromedp.SetValue(css("#schema-input"), fan), chromedp.Click(css("#upload")))
	waitContains(t, ctx, "#upload-status", "Created Demo fan (var_len)")
	waitContains(t, ctx, "#product-rows", "Demo fan (var_len)")
	// A schema the codec refuses is reported, not created.
	run(t, ctx, "upload a bad schema", chromedp.SetValue(css("#schema-input"), `{"name":"broken","entities":[]}`), chromedp.Click(css("#upload")))
	waitJS(t, ctx, "the refusal", `document.querySelector('#upload-status').classList.contains('error')`)
	screenshot(t, ctx, "operator-products")

	run(t, ctx, "applications", chromedp.Click(css("#tab-apps")))
	waitContains(t, ctx, "#app-rows", "Operator test app")

	run(t, ctx, "devices", chromedp.Click(css("#tab-devices")))
	waitJS(t, ctx, "the device online", `document.querySelector('#op-device-rows tr[data-did="`+dev.DID()+`"] .badge')?.dataset.online === 'true'`)
	screenshot(t, ctx, "operator-devices")
	dev.Stop()
	waitJS(t, ctx, "the device offline (polled)", `document.querySelector('#op-device-rows tr[data-did="`+dev.DID()+`"] .badge')?.dataset.online === 'false'`)

	run(t, ctx, "partners", chromedp.Click(css("#tab-partners")))
	appID, _ := partner["app_id"].(string)
	prow := `#partner-rows tr[data-app-id="` + appID + `"]`
	waitContains(t, ctx, prow, "Acme Home")
	// Push health: the state when the server reports it, "not reported"
	// otherwise; both are asserted against what the API says.
	if push, ok := partner["push"].(map[string]any); ok {
		waitJS(t, ctx, "the push state", `document.querySelector('`+prow+` [data-push]')?.dataset.push === `+quote(push["state"].(string)))
	} else {
		waitJS(t, ctx, "push health not reported", `document.querySelector('`+prow+` [data-push]')?.dataset.push === 'unreported'`)
	}
	clickJS(t, ctx, prow+` button[data-failed]`) // the rows poll: see clickJS
	waitJS(t, ctx, "the failed pushes panel", `!!document.querySelector('#failed-pushes [data-pushes]')`)
	failed := eval[string](t, ctx, `document.querySelector('#failed-pushes [data-pushes]').dataset.pushes`)
	if want := adminCount(t, ts, "/partners/"+appID+"/pushes/failed", "pushes"); failed != want {
		t.Fatalf("failed pushes shown as %q, the API says %q", failed, want)
	}
	screenshot(t, ctx, "operator-partners")

	run(t, ctx, "interconnect", chromedp.Click(css("#tab-interconnect")))
	waitJS(t, ctx, "the pairs", `!!document.querySelector('#pairs [data-pairs]')`)
	pairs := eval[string](t, ctx, `document.querySelector('#pairs [data-pairs]').dataset.pairs`)
	if want := adminCount(t, ts, "/interconnect/pairs", "pairs"); pairs != want {
		t.Fatalf("pairs shown as %q, the API says %q", pairs, want)
	}
	screenshot(t, ctx, "operator-interconnect")
}

func adminPost(t *testing.T, ts *testserver.Server, path string, body any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", ts.HTTPURL+"/admin/v1"+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: HTTP %d %v %v", path, resp.StatusCode, out, err)
	}
	return out
}

// adminCount is what the console should show for a list endpoint: the
// number of entries under key, or "unavailable" when the server does not
// have the endpoint (404) or the feature is off (503).
func adminCount(t *testing.T, ts *testserver.Server, path, key string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.HTTPURL+"/admin/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+ts.AdminToken)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusServiceUnavailable {
		return "unavailable"
	}
	var body map[string][]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %v", path, resp.StatusCode, err)
	}
	return strconv.Itoa(len(body[key]))
}
