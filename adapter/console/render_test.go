package console_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-iot/switchboard/adapter/console"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// hostile is a value a device, a partner's server or a user could send:
// rendered as markup it would run script (and the CSP would have to save
// the day). The console must show it as text.
const hostile = `<img src=x onerror="window.pwned=1"><b>bold</b>`

// The operator tabs render every documented field of partners with push
// health, failed pushes and interconnect pairs, the Resume button calls
// push/enable, and hostile strings stay text. The admin API is a stub here
// so that each state (a suspended partner, dead pushes, a paired watch) is
// shown without driving a partner or a watch into it.
func TestConsoleOperatorRendering(t *testing.T) {
	ctx := browser(t)
	const token = "test-admin-token"
	var resumed atomic.Int32
	mux := http.NewServeMux()
	c, err := console.New(console.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Register(mux)
	reply := func(v any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"no"}}`))
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
		}
	}
	partner := map[string]any{
		"app_id": "p1", "name": "Acme " + hostile, "push_url": "https://acme.example/push", "suspended": false,
		"push": map[string]any{"state": "suspended", "pending": 7, "delivered": 120, "failed_5m": 9, "attempts_5m": 10,
			"suspended_at": "2026-01-02T03:04:05Z", "last_error": "HTTP 500 " + hostile},
	}
	mux.Handle("GET /admin/v1/apps", reply(map[string]any{"apps": []any{}}))
	mux.Handle("GET /admin/v1/partners", reply(map[string]any{"partners": []any{partner}}))
	mux.Handle("GET /admin/v1/partners/p1/pushes/failed", reply(map[string]any{"pushes": []any{
		map[string]any{"msg_id": "m-1", "created_at": "2026-01-02T03:00:00Z", "attempts": 12, "last_error": hostile, "state": "dead", "body": `{"x":1}`},
		map[string]any{"msg_id": "m-2", "created_at": "2026-01-02T03:01:00Z", "attempts": 3, "last_error": "timeout", "state": "pending", "body": `{}`},
	}}))
	enable := reply(partner)
	mux.HandleFunc("POST /admin/v1/partners/p1/push/enable", func(w http.ResponseWriter, r *http.Request) {
		resumed.Add(1)
		enable(w, r)
	})
	mux.Handle("GET /admin/v1/interconnect/pairs", reply(map[string]any{"pairs": []any{
		map[string]any{"user_id": "u1", "package": "com.example.watch", "fingerprint": "ab:cd", "watch_did": "w1",
			"watch_connected": true, "phone_connected": false, "state": "watch_only",
			"messages_watch_to_phone": 4, "messages_phone_to_watch": 2, "last_message_at": nil},
		map[string]any{"user_id": "u2", "package": hostile, "fingerprint": "ef", "watch_did": "w2",
			"watch_connected": true, "phone_connected": true, "state": "paired",
			"messages_watch_to_phone": 40, "messages_phone_to_watch": 41, "last_message_at": "2026-01-02T03:04:05Z"},
	}}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	run(t, ctx, "open the partners tab",
		chromedp.Navigate(srv.URL+"/app#/operator"),
		chromedp.WaitVisible(css("#admin-form")),
		chromedp.SendKeys(css("#admin-token"), token),
		chromedp.Click(css("#admin-login")))
	waitJS(t, ctx, "the products tab", `location.hash === '#/operator/products'`)
	run(t, ctx, "partners", chromedp.Click(css("#tab-partners")))
	row := `#partner-rows tr[data-app-id="p1"]`
	waitJS(t, ctx, "the suspended push state", `document.querySelector('`+row+` [data-push]')?.dataset.push === 'suspended'`)
	waitContains(t, ctx, row, "pending 7 · delivered 120 · failed 9/10 in 5 min")
	// The text itself, not an element made of it.
	waitContains(t, ctx, row, "HTTP 500 "+hostile)
	// The rows poll: see clickJS.
	clickJS(t, ctx, row+` button[data-push-enable="p1"]`)
	testserver.Eventually(t, 10*time.Second, func() error {
		if n := resumed.Load(); n != 1 {
			return fmt.Errorf("push/enable called %d times", n)
		}
		return nil
	})

	clickJS(t, ctx, row+` button[data-failed="p1"]`)
	waitJS(t, ctx, "two failed pushes", `document.querySelector('#failed-pushes [data-pushes]')?.dataset.pushes === '2'`)
	waitContains(t, ctx, "#failed-pushes", "m-1")
	waitContains(t, ctx, "#failed-pushes", "dead")

	run(t, ctx, "interconnect", chromedp.Click(css("#tab-interconnect")))
	waitJS(t, ctx, "two pairs", `document.querySelector('#pairs [data-pairs]')?.dataset.pairs === '2'`)
	waitContains(t, ctx, `#pairs tr[data-pair="u1/com.example.watch"]`, "watch_only")
	waitContains(t, ctx, `#pairs tr[data-pair^="u2/"]`, "paired")

	// Nothing hostile became markup, and no script ran.
	if n := eval[int](t, ctx, `document.querySelectorAll('main img, main b').length`); n != 0 {
		t.Fatalf("%d elements were made from hostile strings", n)
	}
	if eval[bool](t, ctx, `window.pwned === 1`) {
		t.Fatal("a hostile string ran script")
	}
}
