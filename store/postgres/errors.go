package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/switchboard-iot/switchboard/store"
)

// SQLSTATE codes the store maps.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// mapErr translates engine errors into the store sentinels callers match
// on, keeping the original in the chain for logs: no rows is
// store.ErrNotFound, a unique violation store.ErrConflict.
func mapErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: %s: %w", what, store.ErrNotFound)
	case isCode(err, uniqueViolation):
		return fmt.Errorf("postgres: %s: %w: %w", what, store.ErrConflict, err)
	default:
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
}

// isCode reports whether err is a PostgreSQL error with that SQLSTATE.
func isCode(err error, code string) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == code
}

// fkNotFound reports a foreign-key violation as store.ErrNotFound, naming
// the parent rows that may be missing (as store/sqlite does); other errors
// pass through for mapErr.
func fkNotFound(err error, parents string) error {
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("%s: %w", parents, store.ErrNotFound)
	}
	return err
}
