package aqarasign

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

var notesNow = time.UnixMilli(1700000000000)

// notesHeaders is the notes' worked example with its documented Sign.
func notesHeaders() Headers {
	return Headers{
		AppID: notesAppID, KeyID: notesKeyID, Nonce: notesNonce, Time: notesTime,
		Sign: notesSignToken, AccessToken: notesToken,
	}
}

// signed returns the notes' headers with the given time, signed with
// RequestSign (which TestRequestSignVectors pins).
func signed(tm string) Headers {
	h := notesHeaders()
	h.Time = tm
	h.Sign = RequestSign(h.AccessToken, h.AppID, h.KeyID, h.Nonce, h.Time, notesAppKey)
	return h
}

func TestVerifyRequest(t *testing.T) {
	const w = 5 * time.Minute
	with := func(f func(*Headers)) Headers {
		h := notesHeaders()
		f(&h)
		return h
	}
	tests := []struct {
		name   string
		h      Headers
		appKey string
		now    time.Time
		window time.Duration
		want   error  // nil or a sentinel
		header string // header named by the *HeaderError
	}{
		{name: "notes example with token", h: notesHeaders()},
		{name: "notes example without token", h: with(func(h *Headers) {
			h.AccessToken, h.Sign = "", notesSignNoToken
		})},
		{name: "empty Accesstoken= form accepted", h: with(func(h *Headers) {
			h.AccessToken, h.Sign = "", notesSignEmptyToken
		})},
		{name: "upper-case sign accepted", h: with(func(h *Headers) { h.Sign = strings.ToUpper(h.Sign) })},
		{name: "mixed-case sign accepted", h: with(func(h *Headers) { h.Sign = "A060C7EAA0028ec2d2318888fc48dda0" })},
		{name: "case variant of nonce verifies (replay caches must fold case)", h: with(func(h *Headers) { h.Nonce = "NONCE42" })},
		{name: "case variant of ids verifies", h: with(func(h *Headers) { h.AppID, h.KeyID = "appid1", "k.100" })},
		{name: "window zero means default", h: signed("1700000300000"), window: -1},
		{name: "window edge in the past", h: signed("1699999700000")},
		{name: "window edge in the future", h: signed("1700000300000")},
		{name: "leading zeros are an integer", h: signed("01700000000000")},

		{name: "missing Appid", h: with(func(h *Headers) { h.AppID = "" }), want: ErrMissingHeader, header: "Appid"},
		{name: "missing Keyid", h: with(func(h *Headers) { h.KeyID = "" }), want: ErrMissingHeader, header: "Keyid"},
		{name: "missing Nonce", h: with(func(h *Headers) { h.Nonce = "" }), want: ErrMissingHeader, header: "Nonce"},
		{name: "missing Time", h: with(func(h *Headers) { h.Time = "" }), want: ErrMissingHeader, header: "Time"},
		{name: "missing Sign", h: with(func(h *Headers) { h.Sign = "" }), want: ErrMissingHeader, header: "Sign"},
		{name: "all missing reports Appid", h: Headers{}, want: ErrMissingHeader, header: "Appid"},
		{name: "missing beats bad time", h: with(func(h *Headers) { h.Time, h.Sign = "x", "" }), want: ErrMissingHeader, header: "Sign"},

		{name: "nonce of 4", h: with(func(h *Headers) { h.Nonce = "abcd" }), want: ErrBadNonce, header: "Nonce"},
		{name: "nonce of 65", h: with(func(h *Headers) { h.Nonce = strings.Repeat("a", 65) }), want: ErrBadNonce, header: "Nonce"},
		{name: "nonce with dash", h: with(func(h *Headers) { h.Nonce = "abc-def" }), want: ErrBadNonce, header: "Nonce"},
		{name: "nonce with space", h: with(func(h *Headers) { h.Nonce = " Nonce42" }), want: ErrBadNonce, header: "Nonce"},
		{name: "nonce non-ASCII", h: with(func(h *Headers) { h.Nonce = "Nonceé42" }), want: ErrBadNonce, header: "Nonce"},

		{name: "time not numeric", h: with(func(h *Headers) { h.Time = "now" }), want: ErrBadTime, header: "Time"},
		{name: "time negative", h: with(func(h *Headers) { h.Time = "-1700000000000" }), want: ErrBadTime, header: "Time"},
		{name: "time plus sign", h: with(func(h *Headers) { h.Time = "+1700000000000" }), want: ErrBadTime, header: "Time"},
		{name: "time with space", h: with(func(h *Headers) { h.Time = "1700000000000 " }), want: ErrBadTime, header: "Time"},
		{name: "time fraction", h: with(func(h *Headers) { h.Time = "1700000000000.5" }), want: ErrBadTime, header: "Time"},
		{name: "time exponent", h: with(func(h *Headers) { h.Time = "1.7e12" }), want: ErrBadTime, header: "Time"},
		{name: "time RFC 3339", h: with(func(h *Headers) { h.Time = "2023-11-14T22:13:20Z" }), want: ErrBadTime, header: "Time"},
		{name: "time overflows int64", h: with(func(h *Headers) { h.Time = "99999999999999999999" }), want: ErrBadTime, header: "Time"},
		{name: "time in seconds", h: signed("1700000000"), want: ErrBadTime, header: "Time"},

		{name: "sign wrong", h: with(func(h *Headers) { h.Sign = notesSignNoToken }), want: ErrBadSign, header: "Sign"},
		{name: "sign 31 digits", h: with(func(h *Headers) { h.Sign = h.Sign[:31] }), want: ErrBadSign, header: "Sign"},
		{name: "sign 33 digits", h: with(func(h *Headers) { h.Sign += "0" }), want: ErrBadSign, header: "Sign"},
		{name: "sign not hex", h: with(func(h *Headers) { h.Sign = "g060c7eaa0028ec2d2318888fc48dda0" }), want: ErrBadSign, header: "Sign"},
		{name: "sign base64 of digest", h: with(func(h *Headers) { h.Sign = "oGDH6qACjsLSMYiI/EjdoA==" }), want: ErrBadSign, header: "Sign"},
		{name: "other appKey", h: notesHeaders(), appKey: "OtherSecret", want: ErrBadSign, header: "Sign"},
		{name: "token stripped", h: with(func(h *Headers) { h.AccessToken = "" }), want: ErrBadSign, header: "Sign"},
		{name: "token swapped", h: with(func(h *Headers) { h.AccessToken = "AT9xYy" }), want: ErrBadSign, header: "Sign"},
		{name: "time altered", h: with(func(h *Headers) { h.Time = "1700000000001" }), want: ErrBadSign, header: "Sign"},
		{name: "empty appKey refused", h: with(func(h *Headers) {
			h.AccessToken, h.Sign = "", RequestSign("", h.AppID, h.KeyID, h.Nonce, h.Time, "")
		}), appKey: "-", want: ErrBadSign, header: "Sign"},

		{name: "stale past", h: signed("1699999699999"), want: ErrStale, header: "Time"},
		{name: "stale future", h: signed("1700000300001"), want: ErrStale, header: "Time"},
		{name: "stale under default window", h: signed("1700000300001"), window: -1, want: ErrStale, header: "Time"},
		{name: "narrow window", h: signed("1700000001000"), window: time.Second - 1, want: ErrStale, header: "Time"},
		{name: "far future", h: signed("9223372036854775807"), want: ErrStale, header: "Time"},
		{name: "bad sign beats stale", h: with(func(h *Headers) { h.Time = "1600000000000" }), want: ErrBadSign, header: "Sign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			appKey := tt.appKey
			switch appKey {
			case "":
				appKey = notesAppKey
			case "-":
				appKey = ""
			}
			now := tt.now
			if now.IsZero() {
				now = notesNow
			}
			window := tt.window
			if window == 0 {
				window = w
			}
			err := VerifyRequest(tt.h, appKey, now, window)
			checkErr(t, err, tt.want, tt.header)
		})
	}
}

func checkErr(t *testing.T, err, want error, header string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("error %T is not a *HeaderError", err)
	}
	if he.Header != header {
		t.Errorf("header %q, want %q (%v)", he.Header, header, err)
	}
	if !strings.HasPrefix(err.Error(), "aqarasign: ") {
		t.Errorf("message %q lacks package prefix", err)
	}
}

func TestVerifyPush(t *testing.T) {
	docNow := time.UnixMilli(1618914078668 + 2000)
	doc := PushHeaders{AppKey: docAppKey, Nonce: docNonce, Time: docTime, Sign: docSign}
	with := func(f func(*PushHeaders)) PushHeaders {
		h := doc
		f(&h)
		return h
	}
	tests := []struct {
		name   string
		h      PushHeaders
		secret string
		now    time.Time
		want   error
		header string
	}{
		{name: "App SDK document example", h: doc},
		{name: "with token", h: with(func(h *PushHeaders) { h.Token, h.Sign = "AT9xYz", docSignToken })},
		{name: "upper-case sign", h: with(func(h *PushHeaders) { h.Sign = strings.ToUpper(docSign) })},
		{name: "upper-case secret signs the same", h: doc, secret: strings.ToUpper(docAppSecret)},

		{name: "missing appkey", h: with(func(h *PushHeaders) { h.AppKey = "" }), want: ErrMissingHeader, header: "appkey"},
		{name: "missing nonce", h: with(func(h *PushHeaders) { h.Nonce = "" }), want: ErrMissingHeader, header: "nonce"},
		{name: "missing time", h: with(func(h *PushHeaders) { h.Time = "" }), want: ErrMissingHeader, header: "time"},
		{name: "missing sign (signing off)", h: with(func(h *PushHeaders) { h.Sign = "" }), want: ErrMissingHeader, header: "sign"},
		{name: "bad nonce", h: with(func(h *PushHeaders) { h.Nonce = "C6wu_zd0Qguxzelhb" }), want: ErrBadNonce, header: "nonce"},
		{name: "bad time", h: with(func(h *PushHeaders) { h.Time = "1618914078.668" }), want: ErrBadTime, header: "time"},
		{name: "token added", h: with(func(h *PushHeaders) { h.Token = "AT9xYz" }), want: ErrBadSign, header: "sign"},
		{name: "token stripped", h: with(func(h *PushHeaders) { h.Sign = docSignToken }), want: ErrBadSign, header: "sign"},
		{name: "wrong secret", h: doc, secret: "gU7Qtxi4dWnYAdmudyxni52bWZ58b8uM", want: ErrBadSign, header: "sign"},
		{name: "empty secret", h: doc, secret: "-", want: ErrBadSign, header: "sign"},
		{name: "stale", h: doc, now: time.UnixMilli(1618914078668 + int64(5*time.Minute/time.Millisecond) + 1), want: ErrStale, header: "time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret := tt.secret
			switch secret {
			case "":
				secret = docAppSecret
			case "-":
				secret = ""
			}
			now := tt.now
			if now.IsZero() {
				now = docNow
			}
			checkErr(t, VerifyPush(tt.h, secret, now, 5*time.Minute), tt.want, tt.header)
		})
	}
}

func TestHeadersFrom(t *testing.T) {
	// Names as the Rust SDK (all lower-case) and Home Assistant
	// (AccessToken) send them; net/http canonicalises them on the way in.
	hh := http.Header{}
	for k, v := range map[string]string{
		"appid": notesAppID, "keyid": notesKeyID, "nonce": notesNonce,
		"time": notesTime, "sign": notesSignToken, "AccessToken": notesToken,
	} {
		hh.Set(k, v)
	}
	if got := HeadersFrom(hh); got != notesHeaders() {
		t.Fatalf("HeadersFrom = %+v", got)
	}
	if err := VerifyRequest(HeadersFrom(hh), notesAppKey, notesNow, time.Minute); err != nil {
		t.Fatal(err)
	}

	ph := http.Header{}
	ph.Set(PushHeaderTime, docTime)
	ph.Set(PushHeaderNonce, docNonce)
	ph.Set(PushHeaderAppKey, docAppKey)
	ph.Set(PushHeaderSign, docSign)
	want := PushHeaders{AppKey: docAppKey, Nonce: docNonce, Time: docTime, Sign: docSign}
	if got := PushHeadersFrom(ph); got != want {
		t.Fatalf("PushHeadersFrom = %+v", got)
	}
}

func TestStaleDetail(t *testing.T) {
	err := VerifyRequest(signed("1699999000000"), notesAppKey, notesNow, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "16m40s behind now") {
		t.Fatalf("error %v lacks the skew", err)
	}
}
