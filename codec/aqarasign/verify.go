package aqarasign

import (
	"crypto/subtle"
	"fmt"
	"math"
	"strconv"
	"time"
)

// DefaultWindow is the freshness window used when Verify* is given a window
// of zero or less. Aqara does not document its own (its error table has
// 105 "Data package has expired", nothing more).
const DefaultWindow = 5 * time.Minute

// Nonce limits. Clients seen send 5 (aqara_capi) to 30 (the Rust SDK) ASCII
// letters or digits; 64 leaves room without letting a replay cache be
// flooded with huge keys.
const (
	MinNonceLen = 5
	MaxNonceLen = 64
)

// minMillis is the smallest accepted time: 1e11 ms is 1973-03-03, while
// 1e11 s is the year 5138, so anything below is a seconds value sent by
// mistake (or garbage).
const minMillis = 100_000_000_000

// Headers are the signing headers of an intent API request. AccessToken is
// optional; the rest are required.
type Headers struct {
	AppID, KeyID, Nonce, Time, Sign, AccessToken string
}

// PushHeaders are the headers of a signed HTTP message push. Token is
// absent on the App SDK push and present on the general one.
type PushHeaders struct {
	Token, AppKey, Nonce, Time, Sign string
}

// HeaderGetter is satisfied by http.Header and textproto.MIMEHeader, whose
// Get matches names case-insensitively.
type HeaderGetter interface {
	Get(key string) string
}

// HeadersFrom reads the request signing headers from g.
func HeadersFrom(g HeaderGetter) Headers {
	return Headers{
		AppID:       g.Get(HeaderAppID),
		KeyID:       g.Get(HeaderKeyID),
		Nonce:       g.Get(HeaderNonce),
		Time:        g.Get(HeaderTime),
		Sign:        g.Get(HeaderSign),
		AccessToken: g.Get(HeaderAccessToken),
	}
}

// PushHeadersFrom reads the push signing headers from g.
func PushHeadersFrom(g HeaderGetter) PushHeaders {
	return PushHeaders{
		Token:  g.Get(PushHeaderToken),
		AppKey: g.Get(PushHeaderAppKey),
		Nonce:  g.Get(PushHeaderNonce),
		Time:   g.Get(PushHeaderTime),
		Sign:   g.Get(PushHeaderSign),
	}
}

// VerifyRequest checks the Sign of an intent API request against appKey,
// the secret that h.KeyID names (the caller looks it up by h.AppID and
// h.KeyID), and checks that h.Time is within window of now (DefaultWindow
// if window <= 0). The Sign may be in either hex case.
//
// With no access token, both the documented string (no Accesstoken part)
// and "Accesstoken=&Appid=..." (homebridge-aqara-cloud's form) verify.
//
// It does not detect replayed nonces; see the package documentation for
// what a replay cache must do. Errors are *HeaderError wrapping
// ErrMissingHeader, ErrBadNonce, ErrBadTime, ErrBadSign or ErrStale,
// checked in that order.
func VerifyRequest(h Headers, appKey string, now time.Time, window time.Duration) error {
	switch {
	case h.AppID == "":
		return missing(HeaderAppID)
	case h.KeyID == "":
		return missing(HeaderKeyID)
	case h.Nonce == "":
		return missing(HeaderNonce)
	case h.Time == "":
		return missing(HeaderTime)
	case h.Sign == "":
		return missing(HeaderSign)
	}
	if err := checkNonce(HeaderNonce, h.Nonce); err != nil {
		return err
	}
	ms, err := parseTime(HeaderTime, h.Time)
	if err != nil {
		return err
	}
	got, err := parseSign(HeaderSign, h.Sign, appKey)
	if err != nil {
		return err
	}
	ok := signEqual(got, requestSign(h.AccessToken != "", h.AccessToken, h.AppID, h.KeyID, h.Nonce, h.Time, appKey))
	if h.AccessToken == "" {
		ok |= signEqual(got, requestSign(true, "", h.AppID, h.KeyID, h.Nonce, h.Time, appKey))
	}
	if ok != 1 {
		return &HeaderError{Header: HeaderSign, Err: ErrBadSign}
	}
	return checkWindow(HeaderTime, ms, now, window)
}

// VerifyPush checks the sign of an HTTP message push against appSecret,
// the secret configured with h.AppKey, and checks that h.Time is within
// window of now (DefaultWindow if window <= 0). The sign may be in either
// hex case. appkey, nonce, time and sign are required (a push without
// them was sent with signing switched off, and must not reach this
// function); token is optional.
//
// Like VerifyRequest it does not detect replayed nonces. Errors are
// *HeaderError wrapping ErrMissingHeader, ErrBadNonce, ErrBadTime,
// ErrBadSign or ErrStale, checked in that order.
func VerifyPush(h PushHeaders, appSecret string, now time.Time, window time.Duration) error {
	switch {
	case h.AppKey == "":
		return missing(PushHeaderAppKey)
	case h.Nonce == "":
		return missing(PushHeaderNonce)
	case h.Time == "":
		return missing(PushHeaderTime)
	case h.Sign == "":
		return missing(PushHeaderSign)
	}
	if err := checkNonce(PushHeaderNonce, h.Nonce); err != nil {
		return err
	}
	ms, err := parseTime(PushHeaderTime, h.Time)
	if err != nil {
		return err
	}
	got, err := parseSign(PushHeaderSign, h.Sign, appSecret)
	if err != nil {
		return err
	}
	if signEqual(got, PushSign(h.AppKey, h.Nonce, h.Time, h.Token, appSecret)) != 1 {
		return &HeaderError{Header: PushHeaderSign, Err: ErrBadSign}
	}
	return checkWindow(PushHeaderTime, ms, now, window)
}

func missing(name string) error {
	return &HeaderError{Header: name, Err: ErrMissingHeader}
}

func checkNonce(name, n string) error {
	if len(n) < MinNonceLen || len(n) > MaxNonceLen {
		return &HeaderError{Header: name, Err: ErrBadNonce,
			Detail: "length " + strconv.Itoa(len(n)) + ", want 5–64"}
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return &HeaderError{Header: name, Err: ErrBadNonce,
				Detail: "byte " + strconv.Itoa(i) + " is not a letter or digit"}
		}
	}
	return nil
}

// parseTime accepts only ASCII digits (no sign, space or fraction) that
// fit an int64 and are at least minMillis.
func parseTime(name, s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, &HeaderError{Header: name, Err: ErrBadTime, Detail: "not a decimal integer"}
		}
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &HeaderError{Header: name, Err: ErrBadTime, Detail: "out of range"}
	}
	if ms < minMillis {
		return 0, &HeaderError{Header: name, Err: ErrBadTime, Detail: "below 1e11: seconds instead of milliseconds?"}
	}
	return ms, nil
}

// parseSign checks that s is 32 hex digits and returns it lower-cased. It
// also refuses an empty key: anyone can compute a signature with that.
func parseSign(name, s, key string) ([32]byte, error) {
	var out [32]byte
	if len(s) != len(out) {
		return out, &HeaderError{Header: name, Err: ErrBadSign, Detail: "not 32 hex digits"}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
		default:
			return out, &HeaderError{Header: name, Err: ErrBadSign, Detail: "not 32 hex digits"}
		}
		out[i] = c
	}
	if key == "" {
		return out, &HeaderError{Header: name, Err: ErrBadSign, Detail: "no key to check against"}
	}
	return out, nil
}

// signEqual compares in constant time; want is lower-case hex.
func signEqual(got [32]byte, want string) int {
	return subtle.ConstantTimeCompare(got[:], []byte(want))
}

func checkWindow(name string, ms int64, now time.Time, window time.Duration) error {
	if window <= 0 {
		window = DefaultWindow
	}
	n := now.UnixMilli()
	// Both are int64; the difference of two int64s always fits a uint64.
	var diff uint64
	dir := "ahead of"
	if ms >= n {
		diff = uint64(ms) - uint64(n)
	} else {
		diff = uint64(n) - uint64(ms)
		dir = "behind"
	}
	if diff <= uint64(window.Milliseconds()) {
		return nil
	}
	off := "more than 292 years"
	if diff <= math.MaxInt64/uint64(time.Millisecond) {
		off = (time.Duration(diff) * time.Millisecond).String()
	}
	return &HeaderError{Header: name, Err: ErrStale,
		Detail: fmt.Sprintf("%s %s now, window %s", off, dir, window)}
}
