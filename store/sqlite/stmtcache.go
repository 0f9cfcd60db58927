package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// errClosed is returned for calls made after Store.Close.
var errClosed = errors.New("sqlite: store is closed")

// stmtCache prepares each distinct query text once per pool. The driver does
// not cache statements itself, and re-parsing the SQL on every call costs
// about as much as running a point query; database/sql then keeps one
// prepared copy per pooled connection. The set of query texts is fixed by the
// code, so the cache is bounded.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	closed bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement for query, preparing it on first use.
// The lock is not held while preparing: that waits for a pooled connection,
// and the holder of that connection may itself be waiting for the lock (in
// inTx).
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return nil, errClosed
	case ok:
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = st.Close()
		return nil, errClosed
	}
	if prev, ok := c.m[query]; ok { // another caller won the race
		_ = st.Close()
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

// exec runs a statement that returns no rows.
func (c *stmtCache) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// query runs a statement that returns rows.
func (c *stmtCache) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs a statement that returns at most one row.
func (c *stmtCache) queryRow(ctx context.Context, query string, args ...any) scanner {
	st, err := c.get(ctx, query)
	if err != nil {
		return errScanner{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// warm prepares queries up front. Statements used inside write transactions
// must be warmed: the write pool has one connection, which the transaction
// holds, so preparing on the pool from inside it would wait forever.
func (c *stmtCache) warm(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if _, err := c.get(ctx, q); err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
	}
	return nil
}

// inTx returns query's statement bound to tx. It never prepares on the pool
// (see warm); a query that was not warmed is prepared on tx's connection for
// this transaction only.
func (c *stmtCache) inTx(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	closed := c.closed
	c.mu.Unlock()
	switch {
	case closed:
		return nil, errClosed
	case !ok:
		return tx.PrepareContext(ctx, query)
	}
	return tx.StmtContext(ctx, st), nil
}

// close closes every statement; later gets fail with errClosed.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for _, st := range c.m {
		errs = append(errs, st.Close())
	}
	clear(c.m)
	return errors.Join(errs...)
}

// scanner is the part of *sql.Row and *sql.Rows the scan helpers need.
type scanner interface{ Scan(dest ...any) error }

// errScanner is a row that failed before it could be queried.
type errScanner struct{ err error }

func (e errScanner) Scan(...any) error { return e.err }
