package console_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-iot/switchboard/internal/demo"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// The console on `serve --demo`: the login form comes filled with the demo
// app and user, the demo devices are listed online, a device page shows
// values the simulator keeps changing, and a toggle changes the device and
// comes back as its report. Its screenshots are the README's.
func TestConsoleDemo(t *testing.T) {
	ctx := browser(t)
	ts := testserver.Start(t)
	d, err := demo.Start(context.Background(), ts.Server, demo.Options{DataDir: ts.DataDir, ReportEvery: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)

	run(t, ctx, "open the console", chromedp.Navigate(ts.HTTPURL+"/app"), chromedp.WaitVisible(css("#login-form")))
	waitJS(t, ctx, "the demo login prefilled", `document.querySelector('#appid').value === `+quote(d.AppID)+
		` && document.querySelector('#username').value === `+quote(d.Username)+
		` && document.activeElement === document.querySelector('#password')`)
	run(t, ctx, "log in with the printed password", chromedp.SendKeys(css("#password"), d.Password), chromedp.Click(css("#login")))
	waitJS(t, ctx, "three demo devices online",
		`[...document.querySelectorAll('#device-rows .badge')].filter(b => b.dataset.online === 'true').length === 3`)
	waitContains(t, ctx, "#device-rows", "Demo lamp 1")
	screenshot(t, ctx, "demo-devices")

	dev := d.Devices[0]
	run(t, ctx, "open Demo lamp 1", chromedp.Click(css(`#device-rows tr[data-did="`+dev.DID()+`"] a.devlink`)))
	waitJS(t, ctx, "a first temperature", `/^-?[0-9.]+$/.test(document.querySelector('[data-reported="Temperature"]')?.textContent)`)
	first := eval[string](t, ctx, `document.querySelector('[data-reported="Temperature"]').textContent + '/' + document.querySelector('[data-reported="Humidity"]').textContent`)
	waitJS(t, ctx, "the sensors moving", `document.querySelector('[data-reported="Temperature"]').textContent + '/' + document.querySelector('[data-reported="Humidity"]').textContent !== `+quote(first))
	waitJS(t, ctx, "the raw socket", `document.querySelector('#raw-state')?.dataset.state === 'subscribed'`)
	waitJS(t, ctx, "reports in the P0 log", `document.querySelectorAll('#raw-log li[data-dir="in"]').length >= 2`)

	run(t, ctx, "toggle Power", chromedp.Click(css(`input[data-control="LED_OnOff"]`)))
	waitText(t, ctx, `[data-reported="LED_OnOff"]`, "true")
	testserver.Eventually(t, 5*time.Second, func() error {
		if v := dev.Values()["LED_OnOff"]; v != true {
			return fmt.Errorf("the simulated device has LED_OnOff %v", v)
		}
		return nil
	})
	// SetValue fires input and change, as a person choosing would.
	run(t, ctx, "choose a colour", chromedp.SetValue(css(`select[data-control="LED_Color"]`), "purple"))
	waitText(t, ctx, `[data-reported="LED_Color"]`, "purple")
	screenshot(t, ctx, "demo-device")
}
