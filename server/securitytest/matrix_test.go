package securitytest_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Case is a credential case of the matrix.
type Case string

// The cases (docs/security.md). A row lists the ones that apply to its
// entry; the others do not exist for it (an admin route has no "another
// user's resource", a ping has no credentials at all).
const (
	NoCreds    Case = "no credentials"
	WrongCreds Case = "wrong credentials"
	OtherParty Case = "another user's or device's resource"
	OtherApp   Case = "another app's token"
	Expired    Case = "expired token"
	Revoked    Case = "revoked token"
	Disabled   Case = "disabled device or partner"
	Replayed   Case = "replayed signature"
	Stale      Case = "stale signature"
)

// tally counts the rows and cases the suite ran, for the summary line.
type tally struct {
	mu    sync.Mutex
	rows  map[string]int // surface -> rows
	cases map[string]int // surface -> cases
}

func (t *tally) add(surface string, cases int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rows == nil {
		t.rows, t.cases = map[string]int{}, map[string]int{}
	}
	t.rows[surface]++
	t.cases[surface] += cases
}

func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var names []string
	for s := range t.rows {
		names = append(names, s)
	}
	sort.Strings(names)
	var b strings.Builder
	rows, cases := 0, 0
	for _, s := range names {
		fmt.Fprintf(&b, "%s: %d rows, %d cases; ", s, t.rows[s], t.cases[s])
		rows += t.rows[s]
		cases += t.cases[s]
	}
	fmt.Fprintf(&b, "total: %d rows, %d cases", rows, cases)
	return b.String()
}

// sortedCases is a row's cases in a fixed order, so failures read the same
// on every run.
func sortedCases[V any](m map[Case]V) []Case {
	out := make([]Case, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// noRow is the failure for an entry nobody wrote a row for.
func noRow(t *testing.T, what string) {
	t.Helper()
	t.Errorf("no authorization row for %s: add one to the security suite (server/securitytest) saying which credentials it needs, or list it as public with a reason", what)
}

// staleRows fails for rows whose entry is gone from its table, so the
// rows stay the tables' mirror and not a list of wishes.
func staleRows[V any](t *testing.T, surface string, rows map[string]V, seen map[string]bool) {
	t.Helper()
	for k := range rows {
		if !seen[k] {
			t.Errorf("the %s row %q matches nothing in its table", surface, k)
		}
	}
}
