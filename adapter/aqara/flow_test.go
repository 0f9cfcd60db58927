package aqara_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
)

// partnerWorld is a server with a Gizwits app, a user with a bound lamp,
// and a partner acting for that app's users with a signed push URL served
// by a real HTTP receiver.
type partnerWorld struct {
	srv     *testserver.Server
	partner partners.Partner
	uid     string
	dev     *devsim.Device
	api     *aqc.Client // no token yet
	pushes  *pushLog
}

// pushLog collects received pushes by msgId.
type pushLog struct {
	mu   sync.Mutex
	all  []aqc.Push
	byID map[string]int
}

func (l *pushLog) add(p aqc.Push) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[string]int{}
	}
	l.all = append(l.all, p)
	l.byID[p.MsgID]++
}

// find returns the received messages whose JSON satisfies match.
func (l *pushLog) find(match func(m map[string]any) bool) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, p := range l.all {
		var m map[string]any
		if json.Unmarshal(p.Data, &m) == nil && match(m) {
			out = append(out, m)
		}
	}
	return out
}

func newPartnerWorld(t *testing.T, opts ...testserver.Option) *partnerWorld {
	t.Helper()
	return newPartnerWorldWith(t, "demo-lamp.json", "a0b1c2d3e4f5", opts...)
}

// newPartnerWorldWith is newPartnerWorld with a device of another example
// product.
func newPartnerWorldWith(t *testing.T, product, mac string, opts ...testserver.Option) *partnerWorld {
	t.Helper()
	ctx := context.Background()
	w := &partnerWorld{srv: testserver.Start(t, opts...), pushes: &pushLog{}}
	n := w.srv.Node()
	app, err := w.srv.Admin.CreateApp(ctx, "lamp app")
	if err != nil {
		t.Fatal(err)
	}
	u, _, _, err := n.CreateUser(ctx, app.AppID, core.NewUser{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	w.uid = u.UID
	rc := &aqc.Receiver{OnPush: w.pushes.add}
	recv := httptest.NewServer(rc)
	t.Cleanup(recv.Close)
	w.partner, err = w.srv.Partners().CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: recv.URL, PushSign: true, UserAppID: app.AppID})
	if err != nil {
		t.Fatal(err)
	}
	rc.AppSecret = w.partner.PushAppSecret
	prod, schema := w.srv.CreateProduct(t, product)
	w.dev = w.srv.StartDevice(t, prod.ProductKey, schema, mac)
	w.srv.WaitOnline(t, w.dev.DID(), true)
	if _, err := n.BindDevice(ctx, u.UID, w.dev.DID(), w.dev.Passcode(), core.BindOptions{Alias: "hall lamp"}); err != nil {
		t.Fatal(err)
	}
	w.api = &aqc.Client{URL: w.srv.HTTPURL + "/v3.0/open/api", AppID: w.partner.AppID, KeyID: w.partner.KeyID, AppKey: w.partner.AppKey}
	return w
}

// login runs getAuthCode + getToken for alice, reading the code as the
// operator would (the stand-in for Aqara's SMS).
func (w *partnerWorld) login(t *testing.T) tokenPair {
	t.Helper()
	ctx := context.Background()
	var code struct{ AuthCode string }
	if err := w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "alice", "accountType": 0, "accessTokenValidity": "1h"}, &code); err != nil {
		t.Fatal(err)
	}
	if code.AuthCode != "" {
		t.Fatalf("a real user's auth code was handed to the partner: %q", code.AuthCode)
	}
	codes, err := w.srv.Admin.AuthCodes(ctx, w.partner.AppID)
	if err != nil || len(codes) != 1 || codes[0].UID != w.uid {
		t.Fatalf("auth codes = %+v, %v", codes, err)
	}
	var tp tokenPair
	if err := w.api.Call(ctx, "config.auth.getToken", map[string]any{"authCode": codes[0].Code, "account": "alice", "accountType": 0}, &tp); err != nil {
		t.Fatal(err)
	}
	if tp.OpenID != w.uid || tp.ExpiresIn != "3600" || tp.AccessToken == "" || tp.RefreshToken == "" {
		t.Fatalf("token pair = %+v", tp)
	}
	return tp
}

type tokenPair struct {
	ExpiresIn, OpenID, AccessToken, RefreshToken string
}

func (w *partnerWorld) as(token string) *aqc.Client {
	c := *w.api
	c.AccessToken = token
	return &c
}

func wantErrCode(t *testing.T, err error, code int) {
	t.Helper()
	var e *aqc.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want code %d", err, code)
	}
}

// TestPartnerReadsAndControlsTheGizwitsDevice is the whole partner story:
// consent, token, the device a Gizwits app sees, its resources, a write
// that reaches the device as a P0 write, and the signed push of the
// device's report.
func TestPartnerReadsAndControlsTheGizwitsDevice(t *testing.T) {
	w := newPartnerWorld(t)
	ctx := context.Background()
	tp := w.login(t)
	c := w.as(tp.AccessToken)

	var devices struct {
		Data []struct {
			DID, Model, DeviceName string
			State, ModelType       int
		}
		TotalCount int
	}
	if err := c.Call(ctx, "query.device.info", map[string]any{"dids": nil, "positionId": nil}, &devices); err != nil {
		t.Fatal(err)
	}
	if devices.TotalCount != 1 || devices.Data[0].DID != w.dev.DID() || devices.Data[0].State != 1 || devices.Data[0].DeviceName != "hall lamp" {
		t.Fatalf("query.device.info = %+v", devices)
	}
	model := devices.Data[0].Model

	var info []struct {
		ResourceID string
		Access     int
		Enums      string
		MinValue   string
		MaxValue   string
	}
	if err := c.Call(ctx, "query.resource.info", map[string]any{"model": model, "resourceId": nil}, &info); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, r := range info {
		byID[r.ResourceID] = i
	}
	if r := info[byID["Motor_Speed"]]; r.Access != 2 || r.MinValue != "-5" || r.MaxValue != "5" {
		t.Fatalf("Motor_Speed = %+v", r)
	}
	if r := info[byID["LED_Color"]]; r.Enums != "0:custom,1:yellow,2:purple,3:pink" {
		t.Fatalf("LED_Color = %+v", r)
	}
	if r := info[byID["Temperature"]]; r.Access != 0 {
		t.Fatalf("Temperature = %+v", r)
	}

	subj := map[string]any{"subjectId": w.dev.DID(), "resourceIds": []string{"Motor_Speed", "LED_OnOff"}, "attach": "from-test"}
	if err := c.Call(ctx, "config.resource.subscribe", map[string]any{"resources": []any{subj}}, nil); err != nil {
		t.Fatal(err)
	}

	write := []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{
		map[string]string{"resourceId": "Motor_Speed", "value": "-3"},
		map[string]string{"resourceId": "LED_OnOff", "value": "1"},
	}}}
	if err := c.Call(ctx, "write.resource.device", write, nil); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 5*time.Second, func() error {
		v := w.dev.Values()
		if v["Motor_Speed"] != -3.0 || v["LED_OnOff"] != true {
			return errors.New("device not written yet")
		}
		return nil
	})

	// The device reports the change; the partner reads it and gets a push.
	testserver.Eventually(t, 5*time.Second, func() error {
		var vals []struct{ SubjectID, ResourceID, Value string }
		if err := c.Call(ctx, "query.resource.value", map[string]any{"resources": []any{map[string]any{"subjectId": w.dev.DID(), "resourceIds": []string{"Motor_Speed"}}}}, &vals); err != nil {
			return err
		}
		if len(vals) != 1 || vals[0].Value != "-3" {
			return errors.New("value not -3 yet")
		}
		return nil
	})
	testserver.Eventually(t, 10*time.Second, func() error {
		got := w.pushes.find(func(m map[string]any) bool {
			if m["msgType"] != "resource_report" || m["openId"] != w.uid {
				return false
			}
			for _, it := range m["data"].([]any) {
				item := it.(map[string]any)
				if item["resourceId"] == "Motor_Speed" && item["value"] == "-3" && item["attach"] == "from-test" && item["subjectId"] == w.dev.DID() {
					return true
				}
			}
			return false
		})
		if len(got) == 0 {
			return errors.New("no resource_report push with Motor_Speed -3 yet")
		}
		return nil
	})

	// Errors with their codes.
	bad := []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{map[string]string{"resourceId": "Temperature", "value": "20"}}}}
	wantErrCode(t, c.Call(ctx, "write.resource.device", bad, nil), 1007)
	bad = []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{map[string]string{"resourceId": "Motor_Speed", "value": "99"}}}}
	wantErrCode(t, c.Call(ctx, "write.resource.device", bad, nil), 1004)
	bad = []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{map[string]string{"resourceId": "nope", "value": "1"}}}}
	wantErrCode(t, c.Call(ctx, "write.resource.device", bad, nil), 1008)
	bad = []any{map[string]any{"subjectId": "notmydevice0000000000", "resources": []any{map[string]string{"resourceId": "LED_OnOff", "value": "1"}}}}
	wantErrCode(t, c.Call(ctx, "write.resource.device", bad, nil), 757)
	wantErrCode(t, c.Call(ctx, "write.resource.device", map[string]any{"subjectId": w.dev.DID()}, nil), 302)

	// Offline: the push of the status event, and 602 on a write.
	w.dev.Stop()
	w.srv.WaitOnline(t, w.dev.DID(), false)
	write = []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{map[string]string{"resourceId": "LED_OnOff", "value": "0"}}}}
	wantErrCode(t, c.Call(ctx, "write.resource.device", write, nil), 602)
	testserver.Eventually(t, 10*time.Second, func() error {
		if len(w.pushes.find(func(m map[string]any) bool { return m["eventType"] == "gateway_offline" })) == 0 {
			return errors.New("no gateway_offline push yet")
		}
		return nil
	})

	// Unbinding on the Gizwits side: an unbind event, and the device is
	// gone for the partner.
	if err := w.srv.Node().Unbind(ctx, w.uid, w.dev.DID()); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 10*time.Second, func() error {
		if len(w.pushes.find(func(m map[string]any) bool { return m["eventType"] == "gateway_unbind" })) == 0 {
			return errors.New("no gateway_unbind push yet")
		}
		return nil
	})
	if err := c.Call(ctx, "query.device.info", map[string]any{}, &devices); err != nil || devices.TotalCount != 0 {
		t.Fatalf("after unbind: %+v, %v", devices, err)
	}
	if subs, _ := w.srv.Partners().DeviceSubscriptions(ctx, w.dev.DID()); len(subs) != 0 {
		t.Fatalf("subscriptions survive the unbind: %+v", subs)
	}
	w.pushes.mu.Lock()
	for id, k := range w.pushes.byID {
		if k != 1 {
			t.Errorf("msgId %s arrived %d times with a healthy receiver", id, k)
		}
	}
	w.pushes.mu.Unlock()
}

func TestPartnerTokens(t *testing.T) {
	w := newPartnerWorld(t)
	ctx := context.Background()

	wantErrCode(t, w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "nobody", "accountType": 0}, nil), 801)
	wantErrCode(t, w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "alice", "accountType": 1}, nil), 812)
	wantErrCode(t, w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "alice", "accountType": 0, "accessTokenValidity": "31d"}, nil), 302)

	tp := w.login(t)
	// The code is used once.
	wantErrCode(t, w.api.Call(ctx, "config.auth.getToken", map[string]any{"authCode": "000000", "account": "alice", "accountType": 0}, nil), 820)

	// A new code (allowed: the last one was used); a wrong guess is 2003, a
	// second request within the minute 817, and five wrong guesses void the
	// code even for the right one.
	if err := w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "alice", "accountType": 0}, nil); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "alice", "accountType": 0}, nil), 817)
	codes, err := w.srv.Admin.AuthCodes(ctx, w.partner.AppID)
	if err != nil || len(codes) != 1 {
		t.Fatalf("auth codes = %+v, %v", codes, err)
	}
	wrong := "not-it"
	for range 5 {
		wantErrCode(t, w.api.Call(ctx, "config.auth.getToken", map[string]any{"authCode": wrong, "account": "alice", "accountType": 0}, nil), 2003)
	}
	wantErrCode(t, w.api.Call(ctx, "config.auth.getToken", map[string]any{"authCode": codes[0].Code, "account": "alice", "accountType": 0}, nil), 820)

	// Refresh: a new pair; the old access token is void (2004), the new one works.
	var np tokenPair
	if err := w.as(tp.AccessToken).Call(ctx, "config.auth.refreshToken", map[string]any{"refreshToken": tp.RefreshToken}, &np); err != nil {
		t.Fatal(err)
	}
	if np.AccessToken == tp.AccessToken || np.ExpiresIn != "3600" {
		t.Fatalf("refreshed pair = %+v", np)
	}
	wantErrCode(t, w.as(tp.AccessToken).Call(ctx, "query.device.info", map[string]any{}, nil), 2004)
	wantErrCode(t, w.api.Call(ctx, "config.auth.refreshToken", map[string]any{"refreshToken": tp.RefreshToken}, nil), 2006)
	if err := w.as(np.AccessToken).Call(ctx, "query.device.info", map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, w.api.Call(ctx, "query.device.info", map[string]any{}, nil), 109)

	// config.app.init with the token; tokenExpire voids it.
	var ini struct {
		UserID, Token, AppID string
		ExpiresIn            int
	}
	if err := w.as(np.AccessToken).Call(ctx, "config.app.init", nil, &ini); err != nil {
		t.Fatal(err)
	}
	if ini.UserID != w.uid || ini.Token != np.AccessToken || ini.AppID != w.partner.AppID || ini.ExpiresIn < 3500 || ini.ExpiresIn > 3600 {
		t.Fatalf("config.app.init = %+v", ini)
	}
	if err := w.api.Call(ctx, "config.app.tokenExpire", map[string]any{"token": np.AccessToken}, nil); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, w.as(np.AccessToken).Call(ctx, "query.device.info", map[string]any{}, nil), 2004)

	// An expired access token gets 108 (clients refresh on it); an expired
	// refresh token 2007.
	now := time.Now().UTC().Truncate(time.Millisecond)
	hash := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	if err := w.srv.Partners().Store().CreateAqaraToken(ctx, partners.AqaraToken{
		AccessHash: hash("old-access"), RefreshHash: hash("old-refresh"), AppID: w.partner.AppID, UID: w.uid,
		AccessExpiresAt: now.Add(-time.Minute), RefreshExpiresAt: now.Add(-time.Second), CreatedAt: now.Add(-time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, w.as("old-access").Call(ctx, "query.device.info", map[string]any{}, nil), 108)
	wantErrCode(t, w.as("old-access").Call(ctx, "config.auth.refreshToken", map[string]any{"refreshToken": "old-refresh"}, nil), 2007)

	// Virtual accounts: created by the partner, code handed back, unique ids.
	var acct tokenPair
	if err := w.api.Call(ctx, "config.auth.createAccount", map[string]any{"accountId": "shop-42", "needAccessToken": true, "accessTokenValidity": "2h"}, &acct); err != nil {
		t.Fatal(err)
	}
	if acct.OpenID == "" || acct.ExpiresIn != "7200" || acct.AccessToken == "" {
		t.Fatalf("createAccount = %+v", acct)
	}
	wantErrCode(t, w.api.Call(ctx, "config.auth.createAccount", map[string]any{"accountId": "shop-42"}, nil), 2016)
	var code struct{ AuthCode string }
	if err := w.api.Call(ctx, "config.auth.getAuthCode", map[string]any{"account": "shop-42", "accountType": 2}, &code); err != nil || len(code.AuthCode) != 6 {
		t.Fatalf("virtual getAuthCode = %+v, %v", code, err)
	}
	var vp tokenPair
	if err := w.api.Call(ctx, "config.auth.getToken", map[string]any{"authCode": code.AuthCode, "account": "shop-42", "accountType": 2}, &vp); err != nil || vp.OpenID != acct.OpenID {
		t.Fatalf("virtual getToken = %+v, %v", vp, err)
	}
	var devices struct{ TotalCount int }
	if err := w.as(vp.AccessToken).Call(ctx, "query.device.info", map[string]any{}, &devices); err != nil || devices.TotalCount != 0 {
		t.Fatalf("a virtual account sees %+v, %v", devices, err)
	}
}

func TestPartnerPositions(t *testing.T) {
	w := newPartnerWorld(t)
	ctx := context.Background()
	c := w.as(w.login(t).AccessToken)

	var home struct{ PositionID string }
	if err := c.Call(ctx, "config.position.create", map[string]any{"positionName": "Home", "description": nil, "parentPositionId": nil}, &home); err != nil {
		t.Fatal(err)
	}
	var room struct{ PositionID string }
	if err := c.Call(ctx, "config.position.create", map[string]any{"positionName": "Hall", "parentPositionId": home.PositionID}, &room); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "config.position.update", map[string]any{"positionId": room.PositionID, "positionName": "Hallway", "description": "downstairs"}, nil); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Data []struct {
			ParentPositionID, PositionID, PositionName, Description string
			CreateTime                                              int64
		}
		TotalCount int
	}
	if err := c.Call(ctx, "query.position.info", map[string]any{"parentPositionId": home.PositionID, "pageNum": nil, "pageSize": "30"}, &list); err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 1 || list.Data[0].PositionName != "Hallway" || list.Data[0].Description != "downstairs" || list.Data[0].ParentPositionID != home.PositionID || list.Data[0].CreateTime == 0 {
		t.Fatalf("query.position.info = %+v", list)
	}
	if err := c.Call(ctx, "config.device.position", map[string]any{"dids": []string{w.dev.DID()}, "positionId": room.PositionID}, nil); err != nil {
		t.Fatal(err)
	}
	var devices struct {
		Data       []struct{ DID, PositionID string }
		TotalCount int
	}
	if err := c.Call(ctx, "query.device.info", map[string]any{"positionId": room.PositionID}, &devices); err != nil || devices.TotalCount != 1 || devices.Data[0].PositionID != room.PositionID {
		t.Fatalf("devices in the room = %+v, %v", devices, err)
	}
	wantErrCode(t, c.Call(ctx, "config.position.delete", map[string]any{"positionId": home.PositionID}, nil), 702)
	wantErrCode(t, c.Call(ctx, "config.position.delete", map[string]any{"positionId": room.PositionID}, nil), 702)
	wantErrCode(t, c.Call(ctx, "config.position.delete", map[string]any{"positionId": "real1.000000000000000"}, nil), 701)

	// Another partner's account cannot see alice's positions.
	var acct tokenPair
	if err := w.api.Call(ctx, "config.auth.createAccount", map[string]any{"accountId": "other", "needAccessToken": true}, &acct); err != nil {
		t.Fatal(err)
	}
	wantErrCode(t, w.as(acct.AccessToken).Call(ctx, "config.position.update", map[string]any{"positionId": room.PositionID, "positionName": "mine"}, nil), 701)

	// Empty it, then delete.
	if err := w.srv.Node().Unbind(ctx, w.uid, w.dev.DID()); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "config.position.delete", map[string]any{"positionId": room.PositionID}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "config.position.delete", map[string]any{"positionId": home.PositionID}, nil); err != nil {
		t.Fatal(err)
	}
}
