package aqarasign

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Seeds live in testdata/fuzz/<FuzzName>/ (the worked examples of the
// notes and the App SDK document, and malformed variants from the table
// tests).

// FuzzVerifyRequest checks that VerifyRequest never panics, fails only with
// a *HeaderError wrapping a sentinel, accepts only a Sign that RequestSign
// (or the empty-Accesstoken form) produces, and that a request signed with
// RequestSign never fails with ErrBadSign.
func FuzzVerifyRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, appID, keyID, nonce, tm, sign, token, appKey string, nowMs, windowMs int64) {
		now := time.UnixMilli(nowMs)
		window := time.Duration(windowMs) * time.Millisecond
		h := Headers{AppID: appID, KeyID: keyID, Nonce: nonce, Time: tm, Sign: sign, AccessToken: token}

		err := VerifyRequest(h, appKey, now, window)
		checkFuzzErr(t, err)
		if err == nil {
			s := strings.ToLower(sign)
			if s != RequestSign(token, appID, keyID, nonce, tm, appKey) &&
				(token != "" || s != requestSign(true, "", appID, keyID, nonce, tm, appKey)) {
				t.Fatalf("accepted sign %q that RequestSign does not produce", sign)
			}
		}

		h.Sign = RequestSign(token, appID, keyID, nonce, tm, appKey)
		if len(sign)%2 == 1 {
			h.Sign = strings.ToUpper(h.Sign)
		}
		err = VerifyRequest(h, appKey, now, window)
		checkFuzzErr(t, err)
		if errors.Is(err, ErrBadSign) && appKey != "" {
			t.Fatalf("own signature refused: %v", err)
		}
		if err == nil {
			if err := VerifyRequest(h, appKey+"x", now, window); !errors.Is(err, ErrBadSign) {
				t.Fatalf("other appKey: error %v, want ErrBadSign", err)
			}
		}
	})
}

// FuzzVerifyPush does the same for VerifyPush and PushSign.
func FuzzVerifyPush(f *testing.F) {
	f.Fuzz(func(t *testing.T, token, appKey, nonce, tm, sign, appSecret string, nowMs, windowMs int64) {
		now := time.UnixMilli(nowMs)
		window := time.Duration(windowMs) * time.Millisecond
		h := PushHeaders{Token: token, AppKey: appKey, Nonce: nonce, Time: tm, Sign: sign}

		err := VerifyPush(h, appSecret, now, window)
		checkFuzzErr(t, err)
		if err == nil && strings.ToLower(sign) != PushSign(appKey, nonce, tm, token, appSecret) {
			t.Fatalf("accepted sign %q that PushSign does not produce", sign)
		}

		h.Sign = PushSign(appKey, nonce, tm, token, appSecret)
		err = VerifyPush(h, appSecret, now, window)
		checkFuzzErr(t, err)
		if errors.Is(err, ErrBadSign) && appSecret != "" {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("error %T %v is not a *HeaderError", err, err)
	}
	n := 0
	for _, s := range []error{ErrMissingHeader, ErrBadNonce, ErrBadTime, ErrStale, ErrBadSign} {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %v wraps %d sentinels, want 1", err, n)
	}
	_ = err.Error()
}
