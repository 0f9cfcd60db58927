package aqarasign

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

// Request header names as the Aqara docs spell them. Clients vary the case
// ("appid", "AccessToken"); match them case-insensitively, as
// net/http's Header.Get does.
const (
	HeaderAccessToken = "Accesstoken"
	HeaderAppID       = "Appid"
	HeaderKeyID       = "Keyid"
	HeaderNonce       = "Nonce"
	HeaderTime        = "Time"
	HeaderSign        = "Sign"
)

// Push header names as the Aqara docs spell them.
const (
	PushHeaderToken  = "token"
	PushHeaderAppKey = "appkey"
	PushHeaderNonce  = "nonce"
	PushHeaderTime   = "time"
	PushHeaderSign   = "sign"
)

// RequestSign returns the Sign header of an intent API request: the MD5, as
// 32 lower-case hex digits, of
//
//	lower("Accesstoken=<accessToken>&Appid=<appID>&Keyid=<keyID>&Nonce=<nonce>&Time=<time>" + appKey)
//
// where appKey is the secret that keyID names. When accessToken is empty the
// "Accesstoken=...&" part is left out entirely. time is passed as sent, a
// decimal count of milliseconds.
func RequestSign(accessToken, appID, keyID, nonce, time, appKey string) string {
	return requestSign(accessToken != "", accessToken, appID, keyID, nonce, time, appKey)
}

// requestSign builds the string with or without the Accesstoken part.
// withToken with an empty token gives "accesstoken=&appid=...", the form
// homebridge-aqara-cloud sends when it holds no token.
func requestSign(withToken bool, accessToken, appID, keyID, nonce, time, appKey string) string {
	var b strings.Builder
	b.Grow(len("accesstoken=&appid=&keyid=&nonce=&time=") + len(accessToken) + len(appID) +
		len(keyID) + len(nonce) + len(time) + len(appKey))
	if withToken {
		b.WriteString("accesstoken=")
		b.WriteString(accessToken)
		b.WriteByte('&')
	}
	b.WriteString("appid=")
	b.WriteString(appID)
	b.WriteString("&keyid=")
	b.WriteString(keyID)
	b.WriteString("&nonce=")
	b.WriteString(nonce)
	b.WriteString("&time=")
	b.WriteString(time)
	b.WriteString(appKey)
	return md5Lower(b.String())
}

// PushSign returns the sign header of an HTTP message push: the MD5, as 32
// lower-case hex digits, of
//
//	lower("appkey=<appKey>&nonce=<nonce>&time=<time>&token=<token>" + appSecret)
//
// where appKey is the signing key id sent in the appkey header and
// appSecret the secret configured with it. When token is empty (the App SDK
// push, which has no token header) the "&token=..." part is left out.
// Arguments follow the order of the signed string, secret last.
func PushSign(appKey, nonce, time, token, appSecret string) string {
	var b strings.Builder
	b.Grow(len("appkey=&nonce=&time=&token=") + len(appKey) + len(nonce) + len(time) +
		len(token) + len(appSecret))
	b.WriteString("appkey=")
	b.WriteString(appKey)
	b.WriteString("&nonce=")
	b.WriteString(nonce)
	b.WriteString("&time=")
	b.WriteString(time)
	if token != "" {
		b.WriteString("&token=")
		b.WriteString(token)
	}
	b.WriteString(appSecret)
	return md5Lower(b.String())
}

// md5Lower lower-cases s and returns its MD5 as lower-case hex.
func md5Lower(s string) string {
	sum := md5.Sum([]byte(strings.ToLower(s)))
	return hex.EncodeToString(sum[:])
}
