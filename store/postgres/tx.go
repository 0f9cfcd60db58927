package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/store"
)

// scanner is the part of pgx.Row and pgx.Rows the scan helpers need.
type scanner interface{ Scan(dest ...any) error }

// writeTx runs fn in one transaction and commits it, so everything fn
// wrote is durable together on return, or (fn failing) none of it is.
func (s *Store) writeTx(ctx context.Context, what string, fn func(tx pgx.Tx) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return mapErr(err, what)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if err := fn(tx); err != nil {
		return mapErr(err, what)
	}
	return mapErr(tx.Commit(ctx), what)
}

// updateOneTx runs a write inside tx that must touch a row: "no row
// touched" is pgx.ErrNoRows, which the caller's mapErr turns into
// store.ErrNotFound.
func updateOneTx(ctx context.Context, tx pgx.Tx, query string, args ...any) error {
	tag, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return pgx.ErrNoRows
	}
	return nil
}

// updateOne runs a single-statement write (autocommit, so durable on
// return) that must touch a row, mapping "no row" to store.ErrNotFound.
func (s *Store) updateOne(ctx context.Context, what, query string, args ...any) error {
	tag, err := s.db.Exec(ctx, query, args...)
	if err != nil {
		return mapErr(err, what)
	}
	if tag.RowsAffected() == 0 {
		return mapErr(pgx.ErrNoRows, what)
	}
	return nil
}

// deleteMany runs a single-statement delete and reports how many rows it
// removed.
func (s *Store) deleteMany(ctx context.Context, what, query string, args ...any) (int, error) {
	tag, err := s.db.Exec(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err, what)
	}
	return int(tag.RowsAffected()), nil
}

// updateOneWithPushes is updateOne plus the pushes the write causes, in one
// transaction; when the write touches no row nothing is enqueued either.
func (s *Store) updateOneWithPushes(ctx context.Context, what string, pushes []store.Push, query string, args ...any) error {
	if len(pushes) == 0 {
		return s.updateOne(ctx, what, query, args...)
	}
	return s.writeTx(ctx, what, func(tx pgx.Tx) error {
		if err := updateOneTx(ctx, tx, query, args...); err != nil {
			return err
		}
		return enqueueTx(ctx, tx, pushes)
	})
}

// execBatch runs the queued statements inside tx in one round trip (a
// pipeline), in order, and returns the first failure as named by fail(i):
// after it the transaction is aborted, so the later results only repeat it.
func execBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch, fail func(i int, err error) error) error {
	if b.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	for i := range b.Len() {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fail(i, err)
		}
	}
	return br.Close()
}

// collect reads every row of a query with scan.
func collect[T any](rows pgx.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, mapErr(err, what)
		}
		out = append(out, v)
	}
	return out, mapErr(rows.Err(), what)
}
