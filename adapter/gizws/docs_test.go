package gizws

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The codes of /ws/app/v1 are listed once, in codeTable; the WebSocket
// error table of docs/protocol-gizwits.md must be exactly that list, row
// for row (code, msg, when), so code and docs cannot drift apart.
func TestDocsListEveryCode(t *testing.T) {
	rows := docTable(t, "../../docs/protocol-gizwits.md", "### WebSocket error codes")
	var want []string
	for _, e := range codeTable {
		want = append(want, "| "+strconv.Itoa(int(e.code))+" | "+e.msg+" | "+e.when+" |")
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("docs/protocol-gizwits.md WebSocket error codes differ from codeTable; the table should read:\n%s\n\nit reads:\n%s",
			strings.Join(want, "\n"), strings.Join(rows, "\n"))
	}
}

var codeRow = regexp.MustCompile(`^\| [0-9]+ \|`)

// docTable returns the rows that start with a numeric code in the section
// of path under heading (up to the next heading).
func docTable(t *testing.T, path, heading string) []string {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n"+heading)
	if !ok {
		t.Fatalf("%s has no heading %q", path, heading)
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
	return rows
}
