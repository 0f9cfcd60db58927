package aqara_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
)

// env is a decoded envelope; fields are json.RawMessage-free so that a
// missing or mistyped requestId/message fails the decode check below.
type env struct {
	Code       int             `json:"code"`
	RequestID  string          `json:"requestId"`
	Message    string          `json:"message"`
	MsgDetails *string         `json:"msgDetails"`
	Result     json.RawMessage `json:"result"`
}

var nonceSeq atomic.Int64

func freshNonce() string {
	return "n" + strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatInt(nonceSeq.Add(1), 10)
}

// client signs requests as an Aqara client does.
type client struct {
	t   *testing.T
	url string
	p   partners.Partner
}

func setup(t *testing.T) (*testserver.Server, *client) {
	t.Helper()
	srv := testserver.Start(t)
	p, err := srv.Partners().CreatePartner(context.Background(), partners.PartnerSettings{Name: "test partner", PushURL: "", PushSign: false})
	if err != nil {
		t.Fatal(err)
	}
	return srv, &client{t: t, url: srv.HTTPURL + "/v3.0/open/api", p: p}
}

// headers returns correctly signed headers for now.
func (c *client) headers(token string) map[string]string {
	nonce := freshNonce()
	tm := strconv.FormatInt(time.Now().UnixMilli(), 10)
	h := map[string]string{
		"Appid": c.p.AppID, "Keyid": c.p.KeyID, "Nonce": nonce, "Time": tm,
		"Sign": aqarasign.RequestSign(token, c.p.AppID, c.p.KeyID, nonce, tm, c.p.AppKey),
	}
	if token != "" {
		h["Accesstoken"] = token
	}
	return h
}

// resign recomputes Sign after a test changed a header.
func (c *client) resign(h map[string]string) {
	h["Sign"] = aqarasign.RequestSign(h["Accesstoken"], h["Appid"], h["Keyid"], h["Nonce"], h["Time"], c.p.AppKey)
}

// do sends body with headers and checks the envelope shape: HTTP 200,
// JSON, code/requestId/message/msgDetails/result all present, requestId
// and message strings, requestId non-empty.
func (c *client) do(method string, h map[string]string, body string) env {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("HTTP %d, want 200: %s", resp.StatusCode, raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		c.t.Fatalf("body not a JSON object: %v: %s", err, raw)
	}
	for _, k := range []string{"code", "requestId", "message", "msgDetails", "result"} {
		if _, ok := m[k]; !ok {
			c.t.Fatalf("envelope lacks %q: %s", k, raw)
		}
	}
	for _, k := range []string{"requestId", "message"} {
		var s string
		if err := json.Unmarshal(m[k], &s); err != nil {
			c.t.Fatalf("%s is not a string: %s", k, raw)
		}
	}
	var e env
	if err := json.Unmarshal(raw, &e); err != nil {
		c.t.Fatalf("envelope: %v: %s", err, raw)
	}
	if e.RequestID == "" || e.Message == "" {
		c.t.Fatalf("empty requestId or message: %s", raw)
	}
	return e
}

func (c *client) post(h map[string]string, body string) env {
	c.t.Helper()
	return c.do(http.MethodPost, h, body)
}

func wantCode(t *testing.T, e env, code int, msg string) {
	t.Helper()
	if e.Code != code || e.Message != msg {
		t.Fatalf("got %d %q (details %v), want %d %q", e.Code, e.Message, deref(e.MsgDetails), code, msg)
	}
	if code != 0 && e.MsgDetails == nil {
		t.Fatalf("code %d without msgDetails", code)
	}
	if code == 0 && e.MsgDetails != nil {
		t.Fatalf("success with msgDetails %q", *e.MsgDetails)
	}
	if e.MsgDetails != nil { // every refusal a test provokes must be clean
		testserver.CheckClientText(t, *e.MsgDetails, "")
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

const expireBody = `{"intent":"config.app.tokenExpire","data":{"token":"open9ee4f2c0"}}`

func TestSignedRequestSucceeds(t *testing.T) {
	_, c := setup(t)
	a := c.post(c.headers(""), expireBody)
	wantCode(t, a, 0, "Success")
	if string(a.Result) != "null" {
		t.Fatalf("result = %s, want null", a.Result)
	}
	// With an access token in the signature, lower-case header names and
	// an upper-case Sign (clients vary, notes §1.2).
	h := c.headers("AT9xYz")
	lower := map[string]string{}
	for k, v := range h {
		lower[strings.ToLower(k)] = v
	}
	lower["sign"] = strings.ToUpper(lower["sign"])
	b := c.post(lower, expireBody)
	wantCode(t, b, 0, "Success")
	if a.RequestID == b.RequestID {
		t.Fatal("requestId repeated")
	}
}

func TestAuthFailures(t *testing.T) {
	srv, c := setup(t)
	cases := []struct {
		name string
		edit func(h map[string]string)
		code int
		msg  string
	}{
		{"bad sign", func(h map[string]string) { h["Sign"] = strings.Repeat("0", 32) }, 106, "Invalid sign"},
		{"sign with wrong key", func(h map[string]string) {
			h["Sign"] = aqarasign.RequestSign("", h["Appid"], h["Keyid"], h["Nonce"], h["Time"], "not-the-key")
		}, 106, "Invalid sign"},
		{"token not signed", func(h map[string]string) { h["Accesstoken"] = "extra" }, 106, "Invalid sign"},
		{"wrong keyid", func(h map[string]string) { h["Keyid"] = "K.0000000000000000"; c.resign(h) }, 107, "Illegal appKey"},
		{"unknown appid", func(h map[string]string) { h["Appid"] = strings.Repeat("a", 32); c.resign(h) }, 2002, "Appid or Appkey illegal"},
		// Outside the ±5 min window by far more than a request can take;
		// codec/aqarasign tests the exact edges with a fixed clock.
		{"stale time", func(h map[string]string) {
			h["Time"] = strconv.FormatInt(time.Now().Add(-30*time.Minute).UnixMilli(), 10)
			c.resign(h)
		}, 105, "Data package has expired"},
		{"future time", func(h map[string]string) {
			h["Time"] = strconv.FormatInt(time.Now().Add(30*time.Minute).UnixMilli(), 10)
			c.resign(h)
		}, 105, "Data package has expired"},
		{"time in seconds", func(h map[string]string) {
			h["Time"] = strconv.FormatInt(time.Now().Unix(), 10)
			c.resign(h)
		}, 305, "Header Params error"},
		{"short nonce", func(h map[string]string) { h["Nonce"] = "abcd"; c.resign(h) }, 305, "Header Params error"},
	}
	for _, name := range []string{"Appid", "Keyid", "Nonce", "Time", "Sign"} {
		cases = append(cases, struct {
			name string
			edit func(h map[string]string)
			code int
			msg  string
		}{"missing " + name, func(h map[string]string) { delete(h, name) }, 305, "Header Params error"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			h := c.headers("")
			tc.edit(h)
			wantCode(t, c.post(h, expireBody), tc.code, tc.msg)
		})
	}
	c.t = t
	wantCode(t, c.post(nil, expireBody), 305, "Header Params error")

	// Suspended: refused with 403 after the signature checks out.
	if _, err := srv.Partners().SetPartnerSuspended(context.Background(), c.p.AppID, true, "test"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.post(c.headers(""), expireBody), 403, "Request forbidden")
	h := c.headers("")
	h["Sign"] = strings.Repeat("f", 32)
	wantCode(t, c.post(h, expireBody), 106, "Invalid sign")
	if _, err := srv.Partners().SetPartnerSuspended(context.Background(), c.p.AppID, false, ""); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.post(c.headers(""), expireBody), 0, "Success")
}

func TestNonceReplay(t *testing.T) {
	_, c := setup(t)
	h := c.headers("")
	h["Nonce"] = "AbCdEf123"
	c.resign(h)
	wantCode(t, c.post(h, expireBody), 0, "Success")
	wantCode(t, c.post(h, expireBody), 102, "Data package has altered")

	// A case variant signs the same and is the same nonce.
	h2 := c.headers("")
	h2["Nonce"] = "abcdef123"
	c.resign(h2)
	wantCode(t, c.post(h2, expireBody), 102, "Data package has altered")

	// A refused request does not burn its nonce: a bad sign first, then
	// the correct request with the same nonce goes through.
	h3 := c.headers("")
	good := h3["Sign"]
	h3["Sign"] = strings.Repeat("0", 32)
	wantCode(t, c.post(h3, expireBody), 106, "Invalid sign")
	h3["Sign"] = good
	wantCode(t, c.post(h3, expireBody), 0, "Success")
}

func TestBodyAndIntents(t *testing.T) {
	_, c := setup(t)
	cases := []struct {
		name, token, body string
		code              int
		msg               string
	}{
		{"bad JSON", "", `{"intent":`, 302, "Params error"},
		{"empty body", "", ``, 302, "Params error"},
		{"trailing data", "", expireBody + `{}`, 302, "Params error"},
		{"body is an array", "", `[]`, 302, "Params error"},
		{"intent missing", "", `{"data":{}}`, 302, "Params error"},
		{"intent null", "", `{"intent":null,"data":{}}`, 302, "Params error"},
		{"intent not a string", "", `{"intent":7}`, 302, "Params error"},
		{"oversize body", "", `{"intent":"config.app.tokenExpire","data":{"token":"` + strings.Repeat("x", 64<<10) + `"}}`, 302, "Params error"},
		{"unknown intent", "", `{"intent":"query.scene.listByPositionId","data":{}}`, 306, "Request path not open"},
		{"unknown intent null data", "", `{"intent":"write.ota.upgrade","data":{"dids":null,"pageNum":null}}`, 306, "Request path not open"},
		{"intent names are case-sensitive", "", `{"intent":"Query.Device.Info","data":{}}`, 306, "Request path not open"},
		{"tokenExpire without token", "", `{"intent":"config.app.tokenExpire","data":{}}`, 302, "Params error"},
		{"tokenExpire token null", "", `{"intent":"config.app.tokenExpire","data":{"token":null}}`, 302, "Params error"},
		{"tokenExpire token number", "", `{"intent":"config.app.tokenExpire","data":{"token":5}}`, 302, "Params error"},
		{"tokenExpire data null", "", `{"intent":"config.app.tokenExpire","data":null}`, 302, "Params error"},
		{"tokenExpire data array", "", `{"intent":"config.app.tokenExpire","data":["x"]}`, 302, "Params error"},
		{"tokenExpire null optional fields", "", `{"intent":"config.app.tokenExpire","data":{"token":"t","remark":null},"lang":null}`, 0, "Success"},
		{"tokenExpire ignores Accesstoken", "stale-token", expireBody, 0, "Success"},
		{"init without Accesstoken", "", `{"intent":"config.app.init","data":{}}`, 109, "Token is absence"},
		{"init with unknown Accesstoken", "AT9xYz", `{"intent":"config.app.init","data":{}}`, 2004, "AccessToken incorrect"},
		{"device info without Accesstoken", "", `{"intent":"query.device.info","data":{}}`, 109, "Token is absence"},
		{"device info unknown Accesstoken", "AT9xYz", `{"intent":"query.device.info","data":null}`, 2004, "AccessToken incorrect"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			wantCode(t, c.post(c.headers(tc.token), tc.body), tc.code, tc.msg)
		})
	}
	t.Run("GET", func(t *testing.T) {
		c.t = t
		wantCode(t, c.do(http.MethodGet, c.headers(""), ""), 304, "Request method not support")
	})
}

// The envelope is one JSON object per response, nothing else.
func TestEnvelopeIsCompact(t *testing.T) {
	_, c := setup(t)
	req, _ := http.NewRequest(http.MethodPost, c.url, strings.NewReader(expireBody))
	for k, v := range c.headers("") {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		t.Fatalf("not a single JSON value: %s", raw)
	}
}
