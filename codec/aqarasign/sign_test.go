package aqarasign

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
)

// md5Of hashes a fixture string exactly as printed in a document, after
// the documented lower-casing, without going through the builders.
func md5Of(s string) string {
	sum := md5.Sum([]byte(strings.ToLower(s)))
	return hex.EncodeToString(sum[:])
}

// The notes' worked example (research notes §1.3).
const (
	notesAppID  = "APPID1"
	notesKeyID  = "K.100"
	notesNonce  = "Nonce42"
	notesTime   = "1700000000000"
	notesToken  = "AT9xYz"
	notesAppKey = "AppKeySecret"

	notesSignToken   = "a060c7eaa0028ec2d2318888fc48dda0"
	notesSignNoToken = "148499317255ae87ade64e1a099f51a5"
	// "Accesstoken=&Appid=..." (homebridge-aqara-cloud with no token),
	// computed with md5sum from the string below.
	notesSignEmptyToken = "e73ca92263692ae14805d21ccaee1052"
)

// The App SDK document's worked example (push signature).
const (
	docAppKey    = "532cad73c5493193d63d367016b98b27"
	docNonce     = "C6wuzd0Qguxzelhb"
	docTime      = "1618914078668"
	docAppSecret = "gU7Qtxi4dWnYAdmudyxni52bWZ58b8uN"
	docSign      = "0e27da9f4c88c27896d1393a64d70392"
	// The same push with token "AT9xYz" appended per the general push
	// template, computed with md5sum from the string below.
	docSignToken = "83eefb339339b2af1d77ef86eebd916e"
)

func TestRequestSignVectors(t *testing.T) {
	tests := []struct {
		name                                     string
		token, appID, keyID, nonce, time, appKey string
		str                                      string // the documented string before hashing
		want                                     string
	}{
		{
			name:  "notes example with token",
			token: notesToken, appID: notesAppID, keyID: notesKeyID, nonce: notesNonce, time: notesTime, appKey: notesAppKey,
			str:  "Accesstoken=AT9xYz&Appid=APPID1&Keyid=K.100&Nonce=Nonce42&Time=1700000000000AppKeySecret",
			want: notesSignToken,
		},
		{
			name:  "notes example without token",
			appID: notesAppID, keyID: notesKeyID, nonce: notesNonce, time: notesTime, appKey: notesAppKey,
			str:  "appid=appid1&keyid=k.100&nonce=nonce42&time=1700000000000appkeysecret",
			want: notesSignNoToken,
		},
		{
			name:  "case variants sign the same",
			token: "at9XYZ", appID: "appid1", keyID: "k.100", nonce: "NONCE42", time: notesTime, appKey: "APPKEYSECRET",
			str:  "accesstoken=at9xyz&appid=appid1&keyid=k.100&nonce=nonce42&time=1700000000000appkeysecret",
			want: notesSignToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := md5Of(tt.str); got != tt.want {
				t.Fatalf("fixture inconsistent: md5(lower(%q)) = %s, want %s", tt.str, got, tt.want)
			}
			if got := RequestSign(tt.token, tt.appID, tt.keyID, tt.nonce, tt.time, tt.appKey); got != tt.want {
				t.Errorf("RequestSign = %s, want %s", got, tt.want)
			}
		})
	}
	const hb = "Accesstoken=&Appid=APPID1&Keyid=K.100&Nonce=Nonce42&Time=1700000000000AppKeySecret"
	if got := md5Of(hb); got != notesSignEmptyToken {
		t.Fatalf("md5(lower(%q)) = %s, want %s", hb, got, notesSignEmptyToken)
	}
	if got := requestSign(true, "", notesAppID, notesKeyID, notesNonce, notesTime, notesAppKey); got != notesSignEmptyToken {
		t.Errorf("requestSign(withToken, empty) = %s, want %s", got, notesSignEmptyToken)
	}
}

func TestPushSignVectors(t *testing.T) {
	// The document prints each step; check every printed string against
	// the final digest, then the function against the digest.
	const (
		step1 = "appkey=532cad73c5493193d63d367016b98b27&Nonce=C6wuzd0Qguxzelhb&Time=1618914078668"
		step2 = "appkey=532cad73c5493193d63d367016b98b27&Nonce=C6wuzd0Qguxzelhb&Time=1618914078668gU7Qtxi4dWnYAdmudyxni52bWZ58b8uN"
		step3 = "appkey=532cad73c5493193d63d367016b98b27&nonce=c6wuzd0qguxzelhb&time=1618914078668gu7qtxi4dwnyadmudyxni52bwz58b8un"
	)
	if step1+docAppSecret != step2 || strings.ToLower(step2) != step3 {
		t.Fatal("document steps do not chain")
	}
	sum := md5.Sum([]byte(step3))
	if got := hex.EncodeToString(sum[:]); got != docSign {
		t.Fatalf("md5(step3) = %s, document says %s", got, docSign)
	}

	tests := []struct {
		name                                  string
		appKey, nonce, time, token, appSecret string
		str                                   string
		want                                  string
	}{
		{
			name:   "App SDK document example",
			appKey: docAppKey, nonce: docNonce, time: docTime, appSecret: docAppSecret,
			str:  step2,
			want: docSign,
		},
		{
			name:   "general push with token last",
			appKey: docAppKey, nonce: docNonce, time: docTime, token: "AT9xYz", appSecret: docAppSecret,
			str:  "appkey=532cad73c5493193d63d367016b98b27&nonce=C6wuzd0Qguxzelhb&time=1618914078668&token=AT9xYzgU7Qtxi4dWnYAdmudyxni52bWZ58b8uN",
			want: docSignToken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := md5Of(tt.str); got != tt.want {
				t.Fatalf("fixture inconsistent: md5(lower(%q)) = %s, want %s", tt.str, got, tt.want)
			}
			if got := PushSign(tt.appKey, tt.nonce, tt.time, tt.token, tt.appSecret); got != tt.want {
				t.Errorf("PushSign = %s, want %s", got, tt.want)
			}
		})
	}
}
