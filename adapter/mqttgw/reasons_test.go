package mqttgw

import (
	"os"
	"strings"
	"testing"
)

// The table in docs/protocol-gizwits.md is reasons, row for row: the
// document cannot promise a code the gateway does not send (the socket
// tests check each row's code against the wire).
func TestReasonsTableIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/protocol-gizwits.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- reasons:begin -->\n")
	table, _, ok2 := strings.Cut(rest, "<!-- reasons:end -->")
	if !ok || !ok2 {
		t.Fatal("docs/protocol-gizwits.md has no reasons:begin/end markers")
	}
	if got, want := table, reasonsTable(); got != want {
		t.Errorf("docs/protocol-gizwits.md reasons table differs from reasons.go; it should read:\n%s", want)
	}
	ids := map[string]bool{}
	for _, r := range reasons {
		if ids[r.id] {
			t.Errorf("reason id %q twice", r.id)
		}
		ids[r.id] = true
	}
}

func reasonsTable() string {
	var b strings.Builder
	b.WriteString("| when | MQTT 3.1 / 3.1.1 | MQTT 5 | decided by |\n| --- | --- | --- | --- |\n")
	for _, r := range reasons {
		b.WriteString("| " + r.when + " | " + r.v3.String() + " | " + r.v5.String() + " | " + r.by + " |\n")
	}
	return b.String()
}
