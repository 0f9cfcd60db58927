package aqara_test

import (
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/aqara"
)

// FuzzIntentData: the intents' own parsing of "data" (an object whose
// pageNum/pageSize come as numbers or strings of digits) and of
// accessTokenValidity takes anything a partner sends. It must not panic,
// and what it accepts must be a page the store can serve and a token
// lifetime within the documented 1 h .. 10 y. The body goes through
// ParseRequest first, as in the handler.
// Seeds live in testdata/fuzz/FuzzIntentData besides the f.Add ones.
func FuzzIntentData(f *testing.F) {
	for _, s := range [][2]string{
		{`{"intent":"query.device.info","data":{"pageNum":1,"pageSize":50}}`, "7d"},
		{`{"intent":"query.device.info","data":{"pageNum":"2","pageSize":"100"}}`, "24h"},
		{`{"intent":"query.device.info","data":{"pageNum":null,"pageSize":null}}`, ""},
		{`{"intent":"query.device.info","data":{"pageNum":"9223372036854775807","pageSize":100}}`, "10y"},
		{`{"intent":"query.device.info","data":{"pageNum":-1}}`, "0h"},
		{`{"intent":"query.device.info","data":{"pageSize":101}}`, "31d"},
		{`{"intent":"query.device.info","data":{"pageNum":1.5}}`, "1x"},
		{`{"intent":"query.device.info","data":[]}`, "y"},
		{`{"intent":"query.device.info","data":""}`, " 1h "},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, body []byte, validity string) {
		if _, data, err := aqara.ParseRequest(body); err == nil {
			if limit, offset, err := aqara.PageArgs(data); err == nil && (limit < 1 || limit > 100 || offset < 0) {
				t.Fatalf("body %q gave limit %d offset %d", body, limit, offset)
			}
		}
		if d, err := aqara.ParseValidity(validity); err == nil && (d < time.Hour || d > 10*365*24*time.Hour) {
			t.Fatalf("validity %q gave %s", validity, d)
		}
	})
}
