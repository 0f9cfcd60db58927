package httpjson_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/httpjson"
)

// FuzzDecode: any bytes give a value or an *httpjson.Error with a
// message, never a panic, and never a decoder's Go type names.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"attrs":{"a":1.5}}`, `[1]`, `{"a":1} x`, `{"n":"x"}`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v struct {
			Attrs map[string]any `json:"attrs"`
			N     int            `json:"n"`
		}
		err := httpjson.Decode(body, &v)
		if err == nil {
			return
		}
		var he *httpjson.Error
		if !errors.As(err, &he) || he.Message == "" {
			t.Fatalf("err = %#v, want an *httpjson.Error with a message", err)
		}
		for _, leak := range []string{"interface {}", "struct {", "map[string]", "Go value"} {
			if strings.Contains(he.Message, leak) {
				t.Fatalf("message %q names Go types", he.Message)
			}
		}
	})
}
