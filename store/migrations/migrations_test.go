package migrations_test

import (
	"io/fs"
	"slices"
	"testing"

	"github.com/switchboard-iot/switchboard/store/migrations"
)

// TestDialectsMatch keeps the engines' schema histories in step: a step
// added to one dialect only, or named differently in the two, fails here.
func TestDialectsMatch(t *testing.T) {
	names := func(fsys fs.FS) []string {
		n, err := fs.Glob(fsys, "*.sql")
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(n)
		return n
	}
	lite, pg := names(migrations.SQLite), names(migrations.Postgres)
	if len(lite) < 8 {
		t.Fatalf("only %d SQLite migrations embedded: %v", len(lite), lite)
	}
	if !slices.Equal(lite, pg) {
		t.Fatalf("the dialects' migrations differ:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
	for _, n := range lite {
		for _, d := range []fs.FS{migrations.SQLite, migrations.Postgres} {
			if b, err := fs.ReadFile(d, n); err != nil || len(b) == 0 {
				t.Errorf("%s: empty or unreadable (%v)", n, err)
			}
		}
	}
}
