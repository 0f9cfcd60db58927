package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// lampReport is a demo-lamp 0x0091 report whose LED_R (brightness) is r.
func lampReport(r byte) []byte {
	return p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: []byte{0x04, 0x01, r, 0, 5, 0x01, 60, 40, 0, 0}})
}

// statusPushes records gateway_online/offline pushes by did, one entry per
// unique msgId, with the event time.
type statusPushes struct {
	mu   sync.Mutex
	seen map[string]bool
	ev   map[string][]statusPush
}

type statusPush struct {
	online bool
	at     int64
}

func (s *statusPushes) add(p aqc.Push) {
	var m struct {
		EventType string
		Data      struct {
			DID  string `json:"did"`
			Time string `json:"time"`
		}
	}
	if json.Unmarshal(p.Data, &m) != nil || !strings.HasPrefix(m.EventType, "gateway_o") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[p.MsgID] {
		return // a retried delivery of the same push
	}
	s.seen[p.MsgID] = true
	var at int64
	fmt.Sscan(m.Data.Time, &at)
	s.ev[m.Data.DID] = append(s.ev[m.Data.DID], statusPush{online: m.EventType == "gateway_online", at: at})
}

// kinds returns a did's pushes in event order as "on"/"off".
func (s *statusPushes) kinds(did string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := append([]statusPush(nil), s.ev[did]...)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].at < ev[j].at })
	out := make([]string, len(ev))
	for i, e := range ev {
		out[i] = map[bool]string{true: "on", false: "off"}[e.online]
	}
	return out
}

// try is a Gizwits app API call that may fail (the server may be dead):
// it reports whether the call was answered with success.
func try(base, method, path, appID, token, body string, out any) bool {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gizwits-Application-Id", appID)
	if token != "" {
		req.Header.Set("X-Gizwits-User-token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode/100 != 2 {
		return false
	}
	return out == nil || json.Unmarshal(b, out) == nil
}

// TestPresenceAfterKill9 kills the real binary with SIGKILL while devices
// report at QoS 1, new devices register, users bind them, commands go
// down and partner pushes go out; then restarts it on the same data dir.
// Every acknowledged write is there, and presence is true: the devices
// that do not come back are offline for the admin API, GET /app/bindings
// and Aqara's query.device.info, with exactly one gateway_offline each;
// those that come back went online, offline (the reconcile), online.
func TestPresenceAfterKill9(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mqttAddr := ln.Addr().String() // the same port after the restart, where devices reconnect
	ln.Close()
	flags := []string{"--http-addr", "127.0.0.1:0", "--mqtt-addr", mqttAddr,
		"--push-retry-min", "20ms", "--push-retry-max", "300ms", "--push-timeout", "1s"}
	n := startServe(t, nil, flags...)
	ctx := context.Background()
	tok, err := os.ReadFile(filepath.Join(n.dataDir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	admin := adminclient.New(n.httpURL, strings.TrimSpace(string(tok)))

	pushes := &statusPushes{seen: map[string]bool{}, ev: map[string][]statusPush{}}
	rc := &aqc.Receiver{OnPush: pushes.add}
	pln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	recv := &http.Server{Handler: rc}
	go recv.Serve(pln) //nolint:errcheck
	t.Cleanup(func() { recv.Close() })

	l := newLamp(t, admin, "presence app", "")
	prod, app := l.prod, l.app
	partner, err := admin.CreatePartner(ctx, adminclient.PartnerSettings{Name: "acme", PushURL: "http://" + pln.Addr().String(), PushSign: true, UserAppID: app.AppID})
	if err != nil {
		t.Fatal(err)
	}
	rc.AppSecret = partner.PushAppSecret
	var alice, bob struct{ Token string }
	gizwits(t, n.httpURL, http.MethodPost, "/app/users", app.AppID, "", `{"username":"alice","password":"alice-secret"}`, &alice)
	gizwits(t, n.httpURL, http.MethodPost, "/app/users", app.AppID, "", `{"username":"bob","password":"bob-secret"}`, &bob)

	// Six devices bound to alice, whose partner subscribes to them; the
	// first three will not come back after the crash.
	const devices, gone = 6, 3
	var devs []adminclient.Device
	var bindBody []string
	for i := range devices {
		d, err := admin.RegisterDevice(ctx, prod.ProductKey, fmt.Sprintf("0a0b0c0d0e%02x", i), "")
		if err != nil {
			t.Fatal(err)
		}
		devs = append(devs, d)
		bindBody = append(bindBody, fmt.Sprintf(`{"did":%q,"passcode":%q}`, d.DID, d.Passcode))
	}
	var bound struct{ Success []string }
	gizwits(t, n.httpURL, http.MethodPost, "/app/bindings", app.AppID, alice.Token, `{"devices":[`+strings.Join(bindBody, ",")+`]}`, &bound)
	if len(bound.Success) != devices {
		t.Fatalf("bindings: %+v", bound)
	}
	api := partnerAPI(t, n.httpURL, admin, partner, "alice")
	var subs []any
	for _, d := range devs {
		subs = append(subs, map[string]any{"subjectId": d.DID, "resourceIds": []string{"LED_R"}})
	}
	if err := api.Call(ctx, "config.resource.subscribe", map[string]any{"resources": subs}, nil); err != nil {
		t.Fatal(err)
	}

	// The devices connect; those that come back reconnect by themselves.
	clients := make([]paho.Client, devices)
	for i, d := range devs {
		o := paho.NewClientOptions().AddBroker("tcp://" + mqttAddr).
			SetClientID(d.DID).SetUsername(d.DID).SetPassword(d.Passcode).SetProtocolVersion(4).
			SetKeepAlive(30 * time.Second).SetAutoReconnect(i >= gone).SetMaxReconnectInterval(100 * time.Millisecond).
			SetConnectRetry(false)
		clients[i] = paho.NewClient(o)
		if tk := clients[i].Connect(); !tk.WaitTimeout(10*time.Second) || tk.Error() != nil {
			t.Fatalf("connect device %d: %v", i, tk.Error())
		}
		defer clients[i].Disconnect(0)
	}
	waitFor(t, 20*time.Second, func() error {
		for i, d := range devs {
			if k := pushes.kinds(d.DID); len(k) != 1 || k[0] != "on" {
				return fmt.Errorf("device %d pushes %v, want its gateway_online", i, k)
			}
		}
		return nil
	})

	// Load until the kill: QoS 1 reports (the last acknowledged value per
	// device is recorded), registrations and bindings for bob (recorded
	// when answered with success), commands (not writes: nothing to keep).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	acked := make([]atomic.Int64, devices)
	for i := range devices {
		acked[i].Store(-1)
		wg.Go(func() {
			for r := 0; r < 250; r++ {
				select {
				case <-stop:
					return
				default:
				}
				tk := clients[i].Publish("dev2app/"+devs[i].DID, 1, false, lampReport(byte(r)))
				if tk.WaitTimeout(5*time.Second) && tk.Error() == nil {
					acked[i].Store(int64(r))
				}
			}
		})
	}
	var regMu sync.Mutex
	var registered, bobBound []string
	httpURL := n.httpURL
	wg.Go(func() {
		for i := 0; i < 15; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var reg struct{ DID, Passcode string }
			// The device's own registration: POST /dev/devices.
			form := fmt.Sprintf("product_key=%s&mac=0a0b0c0d1f%02x&passcode=PASS%04d", prod.ProductKey, i, i)
			resp, err := http.Post(httpURL+"/dev/devices", "application/x-www-form-urlencoded", strings.NewReader(form))
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			did, ok := strings.CutPrefix(string(b), "did=")
			if resp.StatusCode != 201 && resp.StatusCode != 200 || !ok {
				continue
			}
			reg.DID, reg.Passcode = strings.TrimSpace(did), fmt.Sprintf("PASS%04d", i)
			regMu.Lock()
			registered = append(registered, reg.DID)
			regMu.Unlock()
			var res struct{ Success []string }
			if try(httpURL, http.MethodPost, "/app/bindings", app.AppID, bob.Token,
				fmt.Sprintf(`{"devices":[{"did":%q,"passcode":%q}]}`, reg.DID, reg.Passcode), &res) && len(res.Success) == 1 {
				regMu.Lock()
				bobBound = append(bobBound, reg.DID)
				regMu.Unlock()
			}
		}
	})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_ = admin.Write(ctx, devs[i%devices].DID, map[string]any{"LED_OnOff": i%2 == 0})
		}
	})
	waitFor(t, 30*time.Second, func() error {
		regMu.Lock()
		defer regMu.Unlock()
		for i := range acked {
			if acked[i].Load() < 3 {
				return fmt.Errorf("device %d: %d reports acknowledged", i, acked[i].Load()+1)
			}
		}
		if len(bobBound) < 3 {
			return fmt.Errorf("%d bindings acknowledged", len(bobBound))
		}
		return nil
	})
	if err := n.cmd.Process.Kill(); err != nil { // SIGKILL: no drain, no offline writes
		t.Fatal(err)
	}
	_ = n.cmd.Wait()
	close(stop)
	wg.Wait()
	for i := range gone {
		clients[i].Disconnect(0) // these do not come back
	}

	began := time.Now()
	n = startServeIn(t, n.dataDir, nil, flags...)
	t.Logf("restart took %s", time.Since(began).Round(time.Millisecond))
	admin = adminclient.New(n.httpURL, strings.TrimSpace(string(tok)))
	api.URL = n.httpURL + "/v3.0/open/api"

	// Every acknowledged write is there.
	for _, did := range registered {
		if _, err := admin.GetDevice(ctx, did); err != nil {
			t.Errorf("registered device %s lost: %v", did, err)
		}
	}
	var bobs struct{ Devices []struct{ DID string } }
	gizwits(t, n.httpURL, http.MethodGet, "/app/bindings?limit=100", app.AppID, bob.Token, "", &bobs)
	have := map[string]bool{}
	for _, d := range bobs.Devices {
		have[d.DID] = true
	}
	for _, did := range bobBound {
		if !have[did] {
			t.Errorf("acknowledged binding of %s lost", did)
		}
	}
	for i, d := range devs {
		got, err := admin.GetDevice(ctx, d.DID)
		if err != nil {
			t.Fatal(err)
		}
		var attrs struct{ LED_R int64 }
		if err := json.Unmarshal(got.Attrs, &attrs); err != nil || attrs.LED_R < acked[i].Load() {
			t.Errorf("device %d LED_R = %d (%v), but report %d was acknowledged", i, attrs.LED_R, err, acked[i].Load())
		}
	}

	// Presence is true, everywhere.
	waitFor(t, 30*time.Second, func() error {
		var list struct {
			Devices []struct {
				DID      string
				IsOnline bool `json:"is_online"`
			}
		}
		if !try(n.httpURL, http.MethodGet, "/app/bindings?limit=100", app.AppID, alice.Token, "", &list) {
			return fmt.Errorf("GET /app/bindings failed")
		}
		bindingOnline := map[string]bool{}
		for _, d := range list.Devices {
			bindingOnline[d.DID] = d.IsOnline
		}
		var info struct {
			Data []struct {
				DID   string
				State int
			}
		}
		if err := api.Call(ctx, "query.device.info", map[string]any{"dids": nil, "positionId": nil}, &info); err != nil {
			return err
		}
		state := map[string]int{}
		for _, d := range info.Data {
			state[d.DID] = d.State
		}
		for i, d := range devs {
			want := i >= gone
			got, err := admin.GetDevice(ctx, d.DID)
			if err != nil {
				return err
			}
			if got.IsOnline != want || bindingOnline[d.DID] != want || (state[d.DID] == 1) != want {
				return fmt.Errorf("device %d: admin online %v, bindings %v, Aqara state %d; want online %v",
					i, got.IsOnline, bindingOnline[d.DID], state[d.DID], want)
			}
			wantPushes := "[on off]"
			if want {
				wantPushes = "[on off on]"
			}
			if k := fmt.Sprint(pushes.kinds(d.DID)); k != wantPushes {
				return fmt.Errorf("device %d status pushes %s, want %s", i, k, wantPushes)
			}
		}
		return nil
	})
	// Nothing more is on its way: the counts above are final.
	waitFor(t, 10*time.Second, func() error {
		p, err := admin.GetPartner(ctx, partner.AppID)
		if err != nil || p.Push.Pending != 0 {
			return fmt.Errorf("partner pushes pending: %+v, %v", p.Push, err)
		}
		return nil
	})
	for i, d := range devs {
		want := "[on off]"
		if i >= gone {
			want = "[on off on]"
		}
		if k := fmt.Sprint(pushes.kinds(d.DID)); k != want {
			t.Errorf("device %d status pushes %s, want %s", i, k, want)
		}
	}
	if !strings.Contains(n.stderr.String(), fmt.Sprintf("stale_sessions_ended=%d", devices)) {
		t.Errorf("the restart did not end %d stale sessions:\n%s", devices, n.stderr)
	}
}

// waitFor polls cond until it returns nil or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	testserver.Eventually(t, timeout, cond)
}

// partnerAPI is a partner's client of the intent API at base, logged in
// for account as a partner does it (getAuthCode, the code as the operator
// reads it, getToken).
func partnerAPI(t *testing.T, base string, admin *adminclient.Client, partner adminclient.Partner, account string) *aqc.Client {
	t.Helper()
	ctx := context.Background()
	api := &aqc.Client{URL: base + "/v3.0/open/api", AppID: partner.AppID, KeyID: partner.KeyID, AppKey: partner.AppKey}
	if err := api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": account, "accountType": 0}, nil); err != nil {
		t.Fatal(err)
	}
	codes, err := admin.AuthCodes(ctx, partner.AppID)
	if err != nil || len(codes) != 1 {
		t.Fatalf("auth codes %v, %v", codes, err)
	}
	var pair struct{ AccessToken string }
	if err := api.Call(ctx, "config.auth.getToken", map[string]any{"account": account, "accountType": 0, "authCode": codes[0].Code}, &pair); err != nil {
		t.Fatal(err)
	}
	api.AccessToken = pair.AccessToken
	return api
}
