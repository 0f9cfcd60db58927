package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	aqc "github.com/switchboard-iot/switchboard/client/aqara"
)

// TestPushesSurviveKill9 runs the real binary, makes acknowledged events
// (Gizwits bind/unbind calls answered 200, each a committed transaction
// with its push rows) while the partner's receiver fails for a while, kills
// the server with SIGKILL in the middle and restarts it on the same data
// dir: every acknowledged event's push arrives, by unique msgId.
func TestPushesSurviveKill9(t *testing.T) {
	flags := []string{"--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0",
		"--push-retry-min", "20ms", "--push-retry-max", "300ms", "--push-timeout", "1s"}
	n := startServe(t, nil, flags...)
	ctx := context.Background()
	tok, err := os.ReadFile(filepath.Join(n.dataDir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	admin := adminclient.New(n.httpURL, strings.TrimSpace(string(tok)))

	// The receiver: answers 500 while failing is set, else accepts (and
	// checks the push signature).
	var failing atomic.Bool
	var mu sync.Mutex
	got := map[string]int{}
	rc := &aqc.Receiver{OnPush: func(p aqc.Push) { mu.Lock(); got[p.MsgID]++; mu.Unlock() }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		rc.ServeHTTP(w, r)
	})}
	go recv.Serve(ln) //nolint:errcheck
	t.Cleanup(func() { recv.Close() })

	l := newLamp(t, admin, "crash app", "0a0b0c0d0e0f")
	app, dev := l.app, l.dev
	partner, err := admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "acme", PushURL: "http://" + ln.Addr().String(), PushSign: true, UserAppID: app.AppID})
	if err != nil {
		t.Fatal(err)
	}
	rc.AppSecret = partner.PushAppSecret

	// alice, a Gizwits user, and her consent to the partner.
	var user struct{ Token string }
	gizwits(t, n.httpURL, http.MethodPost, "/app/users", app.AppID, "", `{"username":"alice","password":"alice-secret"}`, &user)
	api := &aqc.Client{URL: n.httpURL + "/v3.0/open/api", AppID: partner.AppID, KeyID: partner.KeyID, AppKey: partner.AppKey}
	if err := api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "alice", "accountType": 0}, nil); err != nil {
		t.Fatal(err)
	}
	codes, err := admin.AuthCodes(ctx, partner.AppID)
	if err != nil || len(codes) != 1 {
		t.Fatalf("auth codes %v, %v", codes, err)
	}
	if err := api.Call(ctx, "config.auth.getToken", map[string]any{"account": "alice", "accountType": 0, "authCode": codes[0].Code}, nil); err != nil {
		t.Fatal(err)
	}

	const events = 60
	acked := 0
	bind := fmt.Sprintf(`{"devices":[{"did":%q,"passcode":%q}]}`, dev.DID, dev.Passcode)
	unbind := fmt.Sprintf(`{"devices":[{"did":%q}]}`, dev.DID)
	for i := range events {
		switch i {
		case events / 4:
			failing.Store(true) // a backlog builds up in the outbox
		case events / 2:
			if p, err := admin.GetPartner(ctx, partner.AppID); err != nil || p.Push.Pending == 0 {
				t.Fatalf("no backlog to lose before the kill: %+v, %v", p.Push, err)
			}
			if err := n.cmd.Process.Kill(); err != nil { // SIGKILL: no drain, no flush
				t.Fatal(err)
			}
			_ = n.cmd.Wait()
			n = startServeIn(t, n.dataDir, nil, flags...)
			admin = adminclient.New(n.httpURL, strings.TrimSpace(string(tok)))
		case events * 3 / 4:
			failing.Store(false)
		}
		method, body := http.MethodPost, bind
		if i%2 == 1 {
			method, body = http.MethodDelete, unbind
		}
		var res struct{ Success []string }
		gizwits(t, n.httpURL, method, "/app/bindings", app.AppID, user.Token, body, &res)
		if len(res.Success) != 1 {
			t.Fatalf("event %d not acknowledged: %+v", i, res)
		}
		acked++
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		unique := len(got)
		mu.Unlock()
		if unique == acked {
			break
		}
		if unique > acked {
			t.Fatalf("%d unique msgIds for %d events: a push was duplicated under a new msgId", unique, acked)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d acknowledged events' pushes arrived", unique, acked)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Deliveries are recorded shortly after the partner's answers (in
	// batches), so the pending count follows the receiver, not at once.
	for settled := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		p, err := admin.GetPartner(ctx, partner.AppID)
		if err == nil && p.Push.Pending == 0 {
			break
		}
		if time.Now().After(settled) {
			t.Fatalf("partner after delivery: %+v, %v", p.Push, err)
		}
	}
}

// gizwits makes a Gizwits app API call and decodes a 200 answer into out.
func gizwits(t *testing.T, base, method, path, appID, token, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gizwits-Application-Id", appID)
	if token != "" {
		req.Header.Set("X-Gizwits-User-token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
