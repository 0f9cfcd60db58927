package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapErr translates engine errors into the store sentinels callers match on,
// keeping the original in the chain for logs. what names the operation and
// the key involved, e.g. `get product "abc"`.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	case isConstraint(err, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE):
		return fmt.Errorf("sqlite: %s: %w: %w", what, store.ErrConflict, err)
	default:
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
}

// isConstraint reports whether err is a SQLite error with one of the given
// extended result codes.
func isConstraint(err error, codes ...int) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code() == c {
			return true
		}
	}
	return false
}

// fkNotFound reports a foreign-key violation as store.ErrNotFound, naming
// the parent rows that may be missing (SQLite does not say which one);
// other errors pass through for mapErr.
func fkNotFound(err error, parents string) error {
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("%s: %w", parents, store.ErrNotFound)
	}
	return err
}
