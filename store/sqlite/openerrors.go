package sqlite

import (
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsCorrupt reports whether err says the database file is not a SQLite
// database or is damaged: the operator's remedy is a backup, not a retry.
func IsCorrupt(err error) bool {
	c, ok := primaryCode(err)
	return ok && (c == sqlite3.SQLITE_NOTADB || c == sqlite3.SQLITE_CORRUPT)
}

// IsReadOnly reports whether err says SQLite could not write the database.
// With WAL that happens also when only the directory is read-only: SQLite
// must create the -wal and -shm files next to the database.
func IsReadOnly(err error) bool {
	c, ok := primaryCode(err)
	return ok && c == sqlite3.SQLITE_READONLY
}

// primaryCode is the primary result code of a SQLite error (extended codes
// carry it in their low byte).
func primaryCode(err error) (int, bool) {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return 0, false
	}
	return e.Code() & 0xff, true
}
