package gizapp_test

import (
	"net/url"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
)

// FuzzParseListQuery: GET /app/bindings' query string is any text a client
// sends, parsed as the handler does (r.URL.Query ignores what it cannot
// decode). It must not panic, and what it accepts must be a page the store
// can serve: limit 1..1000, skip not negative.
// Seeds live in testdata/fuzz/FuzzParseListQuery besides the f.Add ones.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{
		"", "limit=20&skip=0", "limit=5000&skip=10&show_disabled=1&show_proto_ver=true",
		"limit=0", "limit=-1", "skip=-1", "limit=abc", "show_disabled=2", "limit=9223372036854775808",
		"limit=%zz&skip=1", "limit=1&limit=2", "show_proto_ver=FALSE",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // what it could parse, as URL.Query
		limit, skip, _, err := gizapp.ParseListQuery(q)
		if err == nil && (limit < 1 || limit > 1000 || skip < 0) {
			t.Fatalf("query %q gave limit %d skip %d", raw, limit, skip)
		}
	})
}
