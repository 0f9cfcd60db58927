package aqarasign_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard-iot/switchboard/codec/aqarasign"
)

func ExampleRequestSign() {
	// The worked example of the research notes (§1.3).
	fmt.Println(aqarasign.RequestSign("AT9xYz", "APPID1", "K.100", "Nonce42", "1700000000000", "AppKeySecret"))
	fmt.Println(aqarasign.RequestSign("", "APPID1", "K.100", "Nonce42", "1700000000000", "AppKeySecret"))
	// Output:
	// a060c7eaa0028ec2d2318888fc48dda0
	// 148499317255ae87ade64e1a099f51a5
}

func ExamplePushSign() {
	// The worked example of the App SDK document (no token header).
	fmt.Println(aqarasign.PushSign("532cad73c5493193d63d367016b98b27", "C6wuzd0Qguxzelhb",
		"1618914078668", "", "gU7Qtxi4dWnYAdmudyxni52bWZ58b8uN"))
	// Output: 0e27da9f4c88c27896d1393a64d70392
}

func ExampleVerifyRequest() {
	r, _ := http.NewRequest("POST", "http://127.0.0.1/v3.0/open/api", nil)
	r.Header.Set("Appid", "APPID1")
	r.Header.Set("Keyid", "K.100")
	r.Header.Set("Nonce", "Nonce42")
	r.Header.Set("Time", "1700000000000")
	r.Header.Set("Sign", "A060C7EAA0028EC2D2318888FC48DDA0") // either case
	r.Header.Set("Accesstoken", "AT9xYz")

	h := aqarasign.HeadersFrom(r.Header)
	// Look up the appKey by h.AppID and h.KeyID, then:
	err := aqarasign.VerifyRequest(h, "AppKeySecret", time.UnixMilli(1700000060000), time.Minute)
	fmt.Println(err)

	err = aqarasign.VerifyRequest(h, "AppKeySecret", time.UnixMilli(1700000060001), time.Minute)
	fmt.Println(errors.Is(err, aqarasign.ErrStale), err)
	// Output:
	// <nil>
	// true aqarasign: time outside window (Time): 1m0.001s behind now, window 1m0s
}
