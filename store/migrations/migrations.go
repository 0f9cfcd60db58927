// Package migrations is the one place that lists Switchboard's schema
// history: one directory per SQL dialect, side by side, holding the same
// numbered steps (NNNN_what.sql) written for that engine. A step is never
// edited once released; a change is a new file with the next number in
// every dialect (TestDialectsMatch fails otherwise).
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// The dialects, each an fs.FS of NNNN_what.sql files at its root.
var (
	SQLite   = sub("sqlite")
	Postgres = sub("postgres")
)

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // a constant, embedded directory: cannot fail
	}
	return f
}

// Step is one schema step of a dialect.
type Step struct {
	Version int
	Name    string // NNNN_what.sql
	SQL     string
}

// Load reads a dialect's steps sorted by version, refusing an unparsable
// or duplicate version at startup rather than half-way through an upgrade.
func Load(fsys fs.FS) ([]Step, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Step
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", base)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Step{Version: v, Name: base, SQL: string(body)})
	}
	slices.SortFunc(ms, func(a, b Step) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %q and %q share version %d", ms[i-1].Name, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}
