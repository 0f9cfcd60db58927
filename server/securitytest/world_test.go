package securitytest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// wait bounds every wait; the suite fails rather than hangs.
const wait = 10 * time.Second

// user is an app user and a live token.
type user struct {
	uid, username, password, token string
}

// device is a real MQTT device (a paho client with the device's
// credentials, subscribed to its downlink topics) that counts every frame
// the server sends it, so a refused write can be shown to reach nothing.
type device struct {
	did, passcode, mac, productKey string
	got                            atomic.Int64
	client                         paho.Client
}

// world is one node with the parties the matrix needs: app A with the
// victim a1 (owner of two devices of two products) and the attacker a2
// (owner of a disabled device), app B with b1, users whose tokens expired
// or were revoked, partners acting for app A and app B, and a suspended
// partner.
type world struct {
	srv              *testserver.Server
	appA, appB       string
	appASecret       string
	lampKey, fanKey  string
	lampSecret       string
	a1, a2, b1       user
	expiredToken     string // a2's, past its expiry
	revokedToken     string // a3's, revoked through the admin API
	victimLamp       *device
	victimFan        *device
	disabledLamp     *device // bound to a2, disabled by the operator
	victimAlias      string
	victimPositionID string

	pA, pB, pOff           partners.Partner
	pAVictimToken          string // partner A's access token for a1
	pAToken, pARefresh     string // partner A's for its virtual account (bound to disabledLamp)
	pBToken, pBRefresh     string // partner B's for its own account
	pAExpired, pARevoked   string
	partnerAUID            string
	wsURL, relayURL, aqURL string

	tally tally
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	srv := testserver.Start(t)
	n := srv.Node()
	pd := srv.Partners()
	w := &world{srv: srv, victimAlias: "victim-alias-4f2a",
		wsURL:    "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/app/v1",
		relayURL: "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/interconnect/v1",
		aqURL:    srv.HTTPURL + "/v3.0/open/api"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	appA, err := srv.Admin.CreateApp(ctx, "app A")
	must(err)
	appB, err := srv.Admin.CreateApp(ctx, "app B")
	must(err)
	w.appA, w.appB, w.appASecret = appA.AppID, appB.AppID, appA.AppSecret
	lamp, _ := srv.CreateProduct(t, "demo-lamp.json")
	fan, _ := srv.CreateProduct(t, "demo-fan-varlen.json")
	w.lampKey, w.fanKey, w.lampSecret = lamp.ProductKey, fan.ProductKey, lamp.ProductSecret

	mkUser := func(app, name string) user {
		u, s, _, err := n.CreateUser(ctx, app, core.NewUser{Username: name, Password: "pw-" + name + "-secret"})
		must(err)
		return user{uid: u.UID, username: name, password: "pw-" + name + "-secret", token: s.Token}
	}
	w.a1, w.a2, w.b1 = mkUser(w.appA, "victim-a1"), mkUser(w.appA, "attacker-a2"), mkUser(w.appB, "other-b1")
	a3 := mkUser(w.appA, "revoked-a3")
	w.revokedToken = a3.token
	if _, err := srv.Admin.RevokeUserTokens(ctx, a3.uid); err != nil {
		t.Fatal(err)
	}
	// An expired token is a real token row whose expiry has passed; the
	// node's TTL is days, so the row is written as the node would have
	// written it a week ago.
	w.expiredToken = "expired-token-of-a2-0123456789abcdef"
	past := time.Now().Add(-8 * 24 * time.Hour).UTC()
	must(n.Store().CreateToken(ctx, store.Token{Hash: sha256hex(w.expiredToken), AppID: w.appA, UID: w.a2.uid,
		CreatedAt: past, ExpiresAt: past.Add(core.DefaultTokenTTL)}))

	w.victimLamp = w.startDevice(t, w.lampKey, "a0b1c2000001", "VICTIMPC1")
	w.victimFan = w.startDevice(t, w.fanKey, "a0b1c2000002", "VICTIMPC2")
	w.disabledLamp = w.startDevice(t, w.lampKey, "a0b1c2000003", "DISABLEPC")
	for _, d := range []*device{w.victimLamp, w.victimFan} {
		_, err := n.BindDevice(ctx, w.a1.uid, d.did, d.passcode, core.BindOptions{Alias: w.victimAlias, Remark: "victim-remark"})
		must(err)
	}
	_, err = n.BindDevice(ctx, w.a2.uid, w.disabledLamp.did, w.disabledLamp.passcode, core.BindOptions{})
	must(err)
	pos, err := pd.CreatePosition(ctx, w.a1.uid, "victim-room", "", "")
	must(err)
	w.victimPositionID = pos.PositionID

	w.pA, err = pd.CreatePartner(ctx, partners.PartnerSettings{Name: "partner A", UserAppID: w.appA})
	must(err)
	w.pB, err = pd.CreatePartner(ctx, partners.PartnerSettings{Name: "partner B", UserAppID: w.appB})
	must(err)
	w.pOff, err = pd.CreatePartner(ctx, partners.PartnerSettings{Name: "partner off", UserAppID: w.appA})
	must(err)
	// Partner A's own account (virtual, in app A) owns the disabled lamp
	// too, so its calls can meet a disabled device.
	var acct struct {
		OpenID       string `json:"openId"`
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	}
	newAccount := func(p partners.Partner, id string) {
		acct.OpenID, acct.AccessToken, acct.RefreshToken = "", "", ""
		must(w.partner(p, "").Call(ctx, "config.auth.createAccount",
			map[string]any{"accountId": id, "needAccessToken": true, "accessTokenValidity": "1h"}, &acct))
		if acct.AccessToken == "" {
			t.Fatalf("createAccount %s gave no token", id)
		}
	}
	newAccount(w.pA, "partner-a-account")
	w.partnerAUID, w.pAToken, w.pARefresh = acct.OpenID, acct.AccessToken, acct.RefreshToken
	_, err = n.BindDevice(ctx, w.partnerAUID, w.disabledLamp.did, w.disabledLamp.passcode, core.BindOptions{})
	must(err)
	newAccount(w.pA, "partner-a-revoked")
	w.pARevoked = acct.AccessToken
	must(w.partner(w.pA, "").Call(ctx, "config.app.tokenExpire", map[string]any{"token": w.pARevoked}, nil))
	newAccount(w.pB, "partner-b-account")
	w.pBToken, w.pBRefresh = acct.AccessToken, acct.RefreshToken
	// Partner A also acts for the victim (a1): its token must reach a1's
	// things only.
	w.pAVictimToken = "partner-a-token-for-victim-0123456789"
	now := time.Now().UTC()
	must(pd.Store().CreateAqaraToken(ctx, partners.AqaraToken{AccessHash: sha256hex(w.pAVictimToken), RefreshHash: sha256hex("r-" + w.pAVictimToken),
		AppID: w.pA.AppID, UID: w.a1.uid, AccessExpiresAt: now.Add(time.Hour), RefreshExpiresAt: now.Add(2 * time.Hour), CreatedAt: now}))
	w.pAExpired = "partner-a-expired-token-0123456789"
	past = now.Add(-3 * time.Hour)
	must(pd.Store().CreateAqaraToken(ctx, partners.AqaraToken{AccessHash: sha256hex(w.pAExpired), RefreshHash: sha256hex("r-" + w.pAExpired),
		AppID: w.pA.AppID, UID: w.partnerAUID, AccessExpiresAt: past.Add(time.Hour), RefreshExpiresAt: past.Add(2 * time.Hour), CreatedAt: past}))
	_, err = srv.Admin.SetPartnerSuspended(ctx, w.pOff.AppID, true, "security suite")
	must(err)

	// Disabled last: the operator's disable closes the device's session.
	if _, err := srv.Admin.SetDeviceDisabled(ctx, w.disabledLamp.did, true); err != nil {
		t.Fatal(err)
	}
	return w
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// partner is a signing client of p with an access token.
func (w *world) partner(p partners.Partner, token string) *aqc.Client {
	return &aqc.Client{URL: w.aqURL, AppID: p.AppID, KeyID: p.KeyID, AppKey: p.AppKey, AccessToken: token}
}

// startDevice bootstraps a device as GAgent does (POST /dev/devices) and
// connects it over MQTT, subscribed to everything the server may send it.
func (w *world) startDevice(t *testing.T, productKey, mac, passcode string) *device {
	t.Helper()
	form := url.Values{"product_key": {productKey}, "mac": {mac}, "passcode": {passcode}}
	resp, err := http.Post(w.srv.HTTPURL+"/dev/devices", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	v, err := url.ParseQuery(string(body))
	if resp.StatusCode != http.StatusCreated || err != nil || v.Get("did") == "" {
		t.Fatalf("register device: HTTP %d %s", resp.StatusCode, body)
	}
	d := &device{did: v.Get("did"), passcode: passcode, mac: mac, productKey: productKey}
	opts := paho.NewClientOptions().AddBroker("tcp://" + w.srv.MQTTAddr).
		SetClientID(d.did).SetUsername(d.did).SetPassword(passcode).
		SetProtocolVersion(4).SetCleanSession(true).SetAutoReconnect(false).SetConnectRetry(false)
	d.client = paho.NewClient(opts)
	if tok := d.client.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("connect device %s: %v", d.did, tok.Error())
	}
	t.Cleanup(func() { d.client.Disconnect(0) })
	tok := d.client.Subscribe("app2dev/"+d.did+"/#", 0, func(paho.Client, paho.Message) { d.got.Add(1) })
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("subscribe device %s: %v", d.did, tok.Error())
	}
	w.srv.WaitOnline(t, d.did, true)
	return d
}

// secrets are the victim's and the operator's values no refusal may
// carry, by name; a value the request itself carried may be echoed.
func (w *world) secrets() map[string]string {
	return map[string]string{
		"victim uid": w.a1.uid, "victim username": w.a1.username, "victim password": w.a1.password,
		"victim token": w.a1.token, "victim alias": w.victimAlias, "victim remark": "victim-remark",
		"victim lamp did": w.victimLamp.did, "victim lamp passcode": w.victimLamp.passcode, "victim lamp mac": w.victimLamp.mac,
		"victim fan did": w.victimFan.did, "victim fan passcode": w.victimFan.passcode, "victim fan mac": w.victimFan.mac,
		"victim position": w.victimPositionID, "victim partner token": w.pAVictimToken,
		"admin token": w.srv.AdminToken, "app A secret": w.appASecret, "lamp product secret": w.lampSecret,
		"partner A appKey": w.pA.AppKey, "partner B appKey": w.pB.AppKey, "partner B token": w.pBToken,
		"partner A push secret": w.pA.PushAppSecret,
	}
}

// internalText is what an internal error chain looks like on the wire.
var internalText = []string{"core:", "store:", "datapoint:", "sqlite", "SQL", "goroutine", "panic", `\n`, "context deadline", "runtime error"}

// leaks lists what answer carries that it should not: a victim's secret
// the request did not carry, or internal error text.
func (w *world) leaks(request, answer string) []string {
	var out []string
	for name, v := range w.secrets() {
		if v != "" && strings.Contains(answer, v) && !strings.Contains(request, v) {
			out = append(out, name)
		}
	}
	for _, s := range internalText {
		if strings.Contains(strings.TrimRight(answer, "\n"), s) {
			out = append(out, fmt.Sprintf("internal text %q", s))
		}
	}
	return out
}

// victimQuiet checks the victim's devices received nothing so far.
func (w *world) victimQuiet(t *testing.T, after string) {
	t.Helper()
	for _, d := range []*device{w.victimLamp, w.victimFan} {
		if n := d.got.Load(); n != 0 {
			t.Errorf("after %s: the victim's device %s received %d frame(s)", after, d.did, n)
		}
	}
}

var errNothingYet = errors.New("nothing received yet")
