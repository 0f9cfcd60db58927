package aqara_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/aqara"
)

// Every emitted code has a row, with its message, in docs/protocol-aqara.md.
func TestDocsListEveryCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/protocol-aqara.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range aqara.Codes() {
		row := "| " + strconv.Itoa(int(c)) + " | " + c.Message() + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/protocol-aqara.md lacks the row %q", row)
		}
	}
}
