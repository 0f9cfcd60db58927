package securitytest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/aqara"
	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/codec/aqarasign"
	"github.com/switchboard-iot/switchboard/partners"
)

// signed is one intent call's signing: who signs, with which key and
// token, at which time, with which nonce ("" = fresh).
type signed struct {
	appID, keyID, key, token string
	at                       time.Time
	nonce                    string
	unsigned                 bool // no signing headers at all
}

func (w *world) as(p partners.Partner, token string) signed {
	return signed{appID: p.AppID, keyID: p.KeyID, key: p.AppKey, token: token, at: time.Now()}
}

// call posts one intent and returns its envelope and the raw answer.
func (w *world) call(t *testing.T, s signed, intent, data string) (aqc.Envelope, string, string) {
	t.Helper()
	body := fmt.Sprintf(`{"intent":%q,"data":%s}`, intent, data)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.aqURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if !s.unsigned {
		nonce, ms := s.nonce, strconv.FormatInt(s.at.UnixMilli(), 10)
		if nonce == "" {
			nonce = aqc.Nonce()
		}
		req.Header.Set(aqarasign.HeaderAppID, s.appID)
		req.Header.Set(aqarasign.HeaderKeyID, s.keyID)
		req.Header.Set(aqarasign.HeaderNonce, nonce)
		req.Header.Set(aqarasign.HeaderTime, ms)
		if s.token != "" {
			req.Header.Set(aqarasign.HeaderAccessToken, s.token)
		}
		req.Header.Set(aqarasign.HeaderSign, aqarasign.RequestSign(s.token, s.appID, s.keyID, nonce, ms, s.key))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw strings.Builder
	var env aqc.Envelope
	b := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(b)
		raw.Write(b[:n])
		if err != nil {
			break
		}
	}
	if err := json.Unmarshal([]byte(raw.String()), &env); err != nil {
		t.Fatalf("%s: not an envelope: %s", intent, raw.String())
	}
	return env, raw.String(), fmt.Sprint(req.Header) + body
}

// aqCase: how to sign, the data (nil: the row's), the code, and a check
// that runs afterwards (the refused call changed nothing).
type aqCase struct {
	sign  func(w *world, needsToken bool) signed
	data  func(w *world) string
	code  int
	after func(t *testing.T, w *world)
	// replay sends the request twice with one nonce; code is the second's.
	replay bool
}

// aqRow: an intent's row.
type aqRow struct {
	data  func(w *world) string
	cases map[Case]aqCase
}

// tokenFor is partner A's own account token for intents that need one.
func tokenFor(w *world, needsToken bool) string {
	if needsToken {
		return w.pAToken
	}
	return ""
}

// aqDefaults are the cases of every intent: the signature is checked
// before anything else, and the account token for intents that need one.
func aqDefaults(needsToken bool) map[Case]aqCase {
	m := map[Case]aqCase{
		NoCreds: {sign: func(*world, bool) signed { return signed{unsigned: true} }, code: 305},
		WrongCreds: {sign: func(w *world, nt bool) signed {
			s := w.as(w.pA, tokenFor(w, nt))
			s.key = "not-the-appkey"
			return s
		}, code: 106},
		Disabled: {sign: func(w *world, nt bool) signed { return w.as(w.pOff, tokenFor(w, nt)) }, code: 403},
		Stale: {sign: func(w *world, nt bool) signed {
			s := w.as(w.pA, tokenFor(w, nt))
			s.at = time.Now().Add(-2 * aqara.Window)
			return s
		}, code: 105},
		Replayed: {sign: func(w *world, nt bool) signed { return w.as(w.pA, tokenFor(w, nt)) }, replay: true, code: 102},
	}
	if needsToken {
		// Partner B's account token, presented by partner A.
		m[OtherApp] = aqCase{sign: func(w *world, _ bool) signed { return w.as(w.pA, w.pBToken) }, code: 2004}
		m[Expired] = aqCase{sign: func(w *world, _ bool) signed { return w.as(w.pA, w.pAExpired) }, code: 108}
		m[Revoked] = aqCase{sign: func(w *world, _ bool) signed { return w.as(w.pA, w.pARevoked) }, code: 2004}
		m[NoCreds+": no Accesstoken"] = aqCase{sign: func(w *world, _ bool) signed { return w.as(w.pA, "") }, code: 109}
	} else {
		// Partner B's Appid with partner A's key.
		m[OtherApp] = aqCase{sign: func(w *world, _ bool) signed {
			s := w.as(w.pA, "")
			s.appID = w.pB.AppID
			return s
		}, code: 107}
	}
	return m
}

// asPartnerA is partner A for its own account, aimed at the victim.
func asPartnerA(w *world, _ bool) signed { return w.as(w.pA, w.pAToken) }

func dataf(format string, args ...func(w *world) string) func(w *world) string {
	return func(w *world) string {
		vs := make([]any, len(args))
		for i, a := range args {
			vs[i] = a(w)
		}
		return fmt.Sprintf(format, vs...)
	}
}

func victimPos(w *world) string  { return w.victimPositionID }
func victimUser(w *world) string { return w.a1.username }

// aqRows: one per aqara.Intents() entry.
var aqRows = map[string]aqRow{
	"config.app.init": {data: str(`{}`)},
	"config.app.tokenExpire": {data: str(`{"token":"none"}`), cases: map[Case]aqCase{
		// Partner A cannot void partner B's token: the call is a no-op and
		// B's token still works.
		OtherParty: {sign: asPartnerA, data: dataf(`{"token":%q}`, func(w *world) string { return w.pBToken }), code: 0,
			after: func(t *testing.T, w *world) {
				if env, _, _ := w.call(t, w.as(w.pB, w.pBToken), "config.app.init", `{}`); env.Code != 0 {
					t.Errorf("partner B's token stopped working after partner A voided it: %d", env.Code)
				}
			}},
	}},
	"config.auth.getAuthCode": {data: dataf(`{"account":%q,"accountType":0}`, victimUser), cases: map[Case]aqCase{
		// app B's user is no account of partner A's.
		OtherApp: {sign: asPartnerA, data: dataf(`{"account":%q,"accountType":0}`, func(w *world) string { return w.b1.username }), code: 801},
	}},
	"config.auth.getToken": {data: dataf(`{"authCode":"000000","account":%q,"accountType":0}`, victimUser), cases: map[Case]aqCase{
		OtherApp: {sign: asPartnerA, data: dataf(`{"authCode":"000000","account":%q,"accountType":0}`, func(w *world) string { return w.b1.username }), code: 801},
	}},
	"config.auth.refreshToken": {data: str(`{"refreshToken":"none"}`), cases: map[Case]aqCase{
		// Partner B's refresh token, presented by partner A.
		OtherParty: {sign: asPartnerA, data: dataf(`{"refreshToken":%q}`, func(w *world) string { return w.pBRefresh }), code: 2006},
	}},
	"config.auth.createAccount": {data: str(`{"accountId":"created-by-matrix"}`)},
	"query.device.info": {data: str(`{}`), cases: map[Case]aqCase{
		// Asking for the victim's did lists nothing (checked by the leak check).
		OtherParty: {sign: asPartnerA, data: dataf(`{"dids":[%q]}`, victimLamp), code: 0},
	}},
	"query.device.subInfo": {data: dataf(`{"did":%q}`, victimLamp), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 757},
	}},
	"config.device.position": {data: dataf(`{"dids":[%q],"positionId":%q}`, victimLamp, victimPos), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 701},
	}},
	"query.resource.info": {data: dataf(`{"model":%q}`, func(w *world) string { return w.lampKey })},
	"query.resource.value": {data: dataf(`{"resources":[{"subjectId":%q,"resourceIds":["LED_OnOff"]}]}`, victimLamp), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 757},
	}},
	"write.resource.device": {data: dataf(`[{"subjectId":%q,"resources":[{"resourceId":"LED_OnOff","value":"1"}]}]`, victimLamp), cases: map[Case]aqCase{
		OtherParty:            {sign: asPartnerA, code: 757},
		Disabled + ": device": {sign: asPartnerA, data: dataf(`[{"subjectId":%q,"resources":[{"resourceId":"LED_OnOff","value":"1"}]}]`, disabledLamp), code: 602},
	}},
	"query.position.info": {data: dataf(`{"parentPositionId":%q}`, victimPos), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 701},
	}},
	"config.position.create": {data: dataf(`{"positionName":"intruder","parentPositionId":%q}`, victimPos), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 701},
	}},
	"config.position.update": {data: dataf(`{"positionId":%q,"positionName":"renamed"}`, victimPos), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 701},
	}},
	"config.position.delete": {data: dataf(`{"positionId":%q}`, victimPos), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 701},
	}},
	"config.resource.subscribe": {data: dataf(`{"resources":[{"subjectId":%q,"resourceIds":["LED_OnOff"]}]}`, victimLamp), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 757},
	}},
	"config.resource.unsubscribe": {data: dataf(`{"resources":[{"subjectId":%q,"resourceIds":["LED_OnOff"]}]}`, victimLamp), cases: map[Case]aqCase{
		OtherParty: {sign: asPartnerA, code: 757},
	}},
	"query.push.errorMsg": {data: str(`{}`), cases: map[Case]aqCase{
		// Naming another partner's appId lists only the caller's own.
		OtherParty: {sign: asPartnerA, data: dataf(`{"appId":%q}`, func(w *world) string { return w.pB.AppID }), code: 0},
	}},
}

func testIntents(t *testing.T, w *world) {
	seen := map[string]bool{}
	defer func() { staleRows(t, "intent", aqRows, seen) }()
	for _, in := range aqara.Intents() {
		seen[in.Name] = true
		t.Run(in.Name, func(t *testing.T) {
			row, ok := aqRows[in.Name]
			if !ok {
				noRow(t, "Aqara intent "+in.Name)
				return
			}
			cases := aqDefaults(in.NeedsToken)
			for c, v := range row.cases {
				cases[c] = v
			}
			w.tally.add("intents", len(cases))
			for _, k := range sortedCases(cases) {
				tc := cases[k]
				t.Run(string(k), func(t *testing.T) {
					data := row.data
					if tc.data != nil {
						data = tc.data
					}
					s := tc.sign(w, in.NeedsToken)
					if tc.replay {
						s.nonce = aqc.Nonce()
						w.call(t, s, in.Name, data(w))
					}
					env, raw, sent := w.call(t, s, in.Name, data(w))
					if env.Code != tc.code {
						t.Errorf("%s: code %d (%s), want %d", in.Name, env.Code, raw, tc.code)
					}
					if l := w.leaks(sent, raw); len(l) > 0 {
						t.Errorf("%s: the answer leaks %v: %s", in.Name, l, raw)
					}
					if tc.after != nil {
						tc.after(t, w)
					}
				})
			}
		})
	}
}
