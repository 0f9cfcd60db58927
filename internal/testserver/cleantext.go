package testserver

import (
	"regexp"
	"strings"
	"testing"
)

// internalText matches what only an internal error chain would put in a
// client's message: a Go package prefix ("core: ", "datapoint: ",
// "json: ", ...), a SQL or driver word, a formatting slip, a Go type.
var internalText = regexp.MustCompile(`(?i)\b(core|datapoint|p0|json|store|sqlite|gizws|gizapp|gizerr|aqara|aqarasign|interconnect|admin|devhttp|http|runtime|context|strconv|errors):|\bsql\b|sqlite|%!|interface \{\}|map\[|goroutine|\bpanic\b|database is locked|constraint failed`)

// CheckClientText fails t unless text, a message a client was sent about
// a refusal, is one clean line free of internal error text and, when
// field is not empty, names field. It returns whether text was clean.
func CheckClientText(t testing.TB, text, field string) bool {
	t.Helper()
	ok := true
	if strings.ContainsAny(text, "\n\r") {
		t.Errorf("client text spans lines: %q", text)
		ok = false
	}
	if m := internalText.FindString(text); m != "" {
		t.Errorf("client text %q carries internal error text %q", text, m)
		ok = false
	}
	if field != "" && !strings.Contains(text, field) {
		t.Errorf("client text %q does not name %q", text, field)
		ok = false
	}
	return ok
}
