package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-iot/switchboard/adapter/console"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// An app user logs in, binds the simulated device, toggles a datapoint and
// sees the device's own report of the new value, writes a number, watches
// raw frames arrive, and sees the device go offline when it stops.
func TestConsoleUserFlow(t *testing.T) {
	ctx := browser(t)
	ts := testserver.Start(t)
	p, schema := ts.CreateProduct(t, "demo-lamp.json")
	app, err := ts.Admin.CreateApp(context.Background(), "Console test")
	if err != nil {
		t.Fatal(err)
	}
	ts.SetConsoleDefaults(console.Defaults{AppID: app.AppID}) // the login form starts with it
	signUp(t, ts.HTTPURL, app.AppID, "alice", "alice-secret")
	dev := ts.StartDevice(t, p.ProductKey, schema, "a1b2c3d4e5f6")
	ts.WaitOnline(t, dev.DID(), true)

	run(t, ctx, "open the console", chromedp.Navigate(ts.HTTPURL+"/app"), chromedp.WaitVisible(css("#login-form")))
	waitJS(t, ctx, "the default app id", `document.querySelector('#appid').value === `+quote(app.AppID))
	screenshot(t, ctx, "login")
	run(t, ctx, "log in",
		chromedp.SendKeys(css("#username"), "alice"),
		chromedp.SendKeys(css("#password"), "alice-secret"),
		chromedp.Click(css("#login")))
	waitJS(t, ctx, "the empty device list", `location.hash === '#/devices' && !document.querySelector('#no-devices').hidden`)

	// Tokens stay out of the URL and out of localStorage.
	if eval[bool](t, ctx, `(() => {
		const u = JSON.parse(sessionStorage.getItem('switchboard.user'));
		return !u || !u.token || location.href.includes(u.token) || JSON.stringify(localStorage).includes(u.token);
	})()`) {
		t.Fatal("the user token is missing from sessionStorage or visible in the URL or localStorage")
	}

	run(t, ctx, "bind the device",
		chromedp.SendKeys(css("#bind-did"), dev.DID()),
		chromedp.SendKeys(css("#bind-passcode"), dev.Passcode()),
		chromedp.Click(css("#bind")))
	waitContains(t, ctx, "#bind-status", "Bound "+dev.DID())
	row := `#device-rows tr[data-did="` + dev.DID() + `"]`
	waitJS(t, ctx, "the bound device online", `document.querySelector('`+row+` .badge')?.dataset.online === 'true'`)
	screenshot(t, ctx, "devices")

	// The list reloads on binding events: see clickJS.
	clickJS(t, ctx, row+" a.devlink")
	// devsim starts with bools off and numbers mid-range.
	waitText(t, ctx, `[data-reported="LED_OnOff"]`, "false")
	waitText(t, ctx, `[data-reported="LED_R"]`, "127")
	// The raw log's own socket is subscribed before anything is written, so
	// the device's answers are logged.
	waitJS(t, ctx, "the raw socket", `document.querySelector('#raw-state')?.dataset.state === 'subscribed'`)

	// Toggle Power: c2s_write goes to the device, which applies it and
	// reports; the page shows the reported value, and the device has it.
	run(t, ctx, "toggle LED_OnOff", chromedp.Click(css(`input[data-control="LED_OnOff"]`)))
	waitText(t, ctx, `[data-reported="LED_OnOff"]`, "true")
	if v := dev.Values()["LED_OnOff"]; v != true {
		t.Fatalf("device LED_OnOff = %v after the toggle, want true", v)
	}

	// A number within min..max through the number box and its Write button.
	run(t, ctx, "write LED_R",
		chromedp.SetValue(css(`input[data-control="LED_R"]`), ""),
		chromedp.SendKeys(css(`input[data-control="LED_R"]`), "200"),
		chromedp.Click(css(`button[data-write="LED_R"]`)))
	waitText(t, ctx, `[data-reported="LED_R"]`, "200")
	if v := dev.Values()["LED_R"]; v != float64(200) {
		t.Fatalf("device LED_R = %v, want 200", v)
	}

	// The raw log shows the device's frames (0x0091 reports) as they came.
	waitJS(t, ctx, "a device frame in the log", `[...document.querySelectorAll('#raw-log li[data-dir="in"]')].some(li => li.textContent.includes('0x0091'))`)
	// A raw read frame goes out as c2s_raw and the read reply (action
	// 0x03) comes back.
	run(t, ctx, "send a raw read", chromedp.Click(css("#raw-preset")), chromedp.Click(css("#raw-send")))
	waitJS(t, ctx, "the raw frame logged as sent", `!!document.querySelector('#raw-log li[data-dir="out"]')`)
	waitJS(t, ctx, "the read reply", `[...document.querySelectorAll('#raw-log li[data-dir="in"]')].some(li => li.textContent.includes('action 0x03'))`)
	screenshot(t, ctx, "device")

	dev.Stop()
	waitJS(t, ctx, "the device offline", `document.querySelector('#device-state')?.dataset.online === 'false'`)
	run(t, ctx, "back to the list", chromedp.Click(css(`a[href="#/devices"]`)))
	waitJS(t, ctx, "offline in the list", `document.querySelector('`+row+` .badge')?.dataset.online === 'false'`)
}

// A wrong password is refused with the server's message, and nothing is
// kept.
func TestConsoleRejectedLogin(t *testing.T) {
	ctx := browser(t)
	ts := testserver.Start(t)
	app, err := ts.Admin.CreateApp(context.Background(), "Console test")
	if err != nil {
		t.Fatal(err)
	}
	signUp(t, ts.HTTPURL, app.AppID, "bob", "bob-secret")
	run(t, ctx, "log in with a wrong password",
		chromedp.Navigate(ts.HTTPURL+"/app"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#appid"), app.AppID),
		chromedp.SendKeys(css("#username"), "bob"),
		chromedp.SendKeys(css("#password"), "wrong-password"),
		chromedp.Click(css("#login")))
	waitContains(t, ctx, "#login-error", "Login refused")
	waitContains(t, ctx, "#login-error", "9020")
	state := eval[struct {
		Hash    string `json:"hash"`
		Stored  bool   `json:"stored"`
		Cleared bool   `json:"cleared"`
	}](t, ctx, `({hash: location.hash, stored: sessionStorage.getItem('switchboard.user') !== null,
		cleared: document.querySelector('#password').value === ''})`)
	if state.Hash == "#/devices" || state.Stored || !state.Cleared {
		t.Fatalf("after a refused login: %+v", state)
	}
	screenshot(t, ctx, "login-rejected")
}

// signUp creates an app user over the Gizwits API, as an app would.
func signUp(t *testing.T, base, appid, username, password string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	req, _ := http.NewRequest("POST", base+"/app/users", bytes.NewReader(body))
	req.Header.Set("X-Gizwits-Application-Id", appid)
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("sign-up: HTTP %d", resp.StatusCode)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
