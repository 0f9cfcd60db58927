package aqara_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/aqara"
)

// FuzzParseRequest: the body parser takes any bytes. It must not panic,
// and what it accepts must be valid JSON with a non-empty, bounded intent
// and data that is absent or a non-null JSON value.
// Seeds live in testdata/fuzz/FuzzParseRequest besides the f.Add ones.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"intent":"config.app.init","data":{}}`,
		`{"intent":"config.app.tokenExpire","data":{"token":"x"}}`,
		`{"intent":"write.resource.device","data":[{"subjectId":"lumi.1","resources":[]}]}`,
		`{"intent":"query.device.info","data":{"dids":null,"pageNum":null}}`,
		`{"intent":null}`, `{"intent":5}`, `{"data":{}}`, `null`, `[]`, ``, `{"intent":"a"} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		intent, data, err := aqara.ParseRequest(body)
		if err != nil {
			return
		}
		if intent == "" || len(intent) > 128 {
			t.Fatalf("accepted intent %q", intent)
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if data != nil && (!json.Valid(data) || bytes.Equal(data, []byte("null"))) {
			t.Fatalf("data %q", data)
		}
	})
}
