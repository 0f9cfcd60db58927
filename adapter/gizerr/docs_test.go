package gizerr_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
)

var codeRow = regexp.MustCompile(`^\| ([0-9]+) \|`)

// The HTTP error table of docs/protocol-gizwits.md lists exactly the codes
// of gizerr.All, each with its status and message, in order, so the docs
// and GET /errors cannot drift apart.
func TestDocsListEveryCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/protocol-gizwits.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n### HTTP error codes")
	if !ok {
		t.Fatal("no HTTP error codes section")
	}
	var rows []string
	for _, line := range strings.Split(section, "\n")[1:] {
		if strings.HasPrefix(line, "#") {
			break
		}
		if codeRow.MatchString(line) {
			rows = append(rows, line)
		}
	}
	all := gizerr.All()
	if len(rows) != len(all) {
		t.Errorf("the docs list %d codes, gizerr %d", len(rows), len(all))
	}
	for i, c := range all {
		want := "| " + strconv.Itoa(int(c)) + " | " + strconv.Itoa(c.Status()) + " | " + c.Message() + " | "
		if i >= len(rows) || !strings.HasPrefix(rows[i], want) {
			t.Errorf("row %d should start %q", i, want)
		}
	}
}
