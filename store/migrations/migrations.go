// Package migrations is the one place that lists Switchboard's schema
// history: one directory per SQL dialect, side by side, holding the same
// numbered steps (NNNN_what.sql) written for that engine. A step is never
// edited once released; a change is a new file with the next number in
// every dialect (TestDialectsMatch fails otherwise).
package migrations

import (
	"embed"
	"io/fs"
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
