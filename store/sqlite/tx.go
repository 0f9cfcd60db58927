package sqlite

import (
	"context"
	"database/sql"

	"github.com/switchboard-iot/switchboard/store"
)

// writeTx runs fn in one write transaction and commits it, so everything fn
// wrote is durable together on return, or (fn failing) none of it is. The
// error is mapped with what.
func (s *Store) writeTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, what)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return mapErr(err, what)
	}
	return mapErr(tx.Commit(), what)
}

// execTx runs a statement that returns no rows inside tx, through the
// statement cache (see stmtCache.inTx: it must be in txStatements).
func (s *Store) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.wq.inTx(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// queryRowTx runs a statement that returns at most one row inside tx.
func (s *Store) queryRowTx(ctx context.Context, tx *sql.Tx, query string, args ...any) scanner {
	st, err := s.wq.inTx(ctx, tx, query)
	if err != nil {
		return errScanner{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// updateOneTx is updateOne inside tx: "no row touched" is sql.ErrNoRows,
// which the caller's mapErr turns into store.ErrNotFound.
func (s *Store) updateOneTx(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := s.execTx(ctx, tx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// updateOneWithPushes is updateOne plus the pushes the write causes, in one
// transaction; when the write touches no row nothing is enqueued either.
// Without pushes it is updateOne itself: a single autocommit statement
// saves the BEGIN and COMMIT round trips on the paths that push nothing.
func (s *Store) updateOneWithPushes(ctx context.Context, what string, pushes []store.Push, query string, args ...any) error {
	if len(pushes) == 0 {
		return s.updateOne(ctx, what, query, args...)
	}
	return s.writeTx(ctx, what, func(tx *sql.Tx) error {
		if err := s.updateOneTx(ctx, tx, query, args...); err != nil {
			return err
		}
		return s.enqueueTx(ctx, tx, pushes)
	})
}
