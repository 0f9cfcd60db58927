package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/store"
	sqlite3 "modernc.org/sqlite/lib"
)

// tokenCols is the column list every token query returns, in scanToken's
// order.
const tokenCols = `hash, app_id, uid, expires_at, created_at`

// createTokenSQL inserts one token; a NULL uid makes an app token.
const createTokenSQL = `INSERT INTO tokens (` + tokenCols + `) VALUES (?, ?, ?, ?, ?)`

// CreateToken inserts t; store.ErrConflict if the hash exists,
// store.ErrNotFound if t.AppID or a non-empty t.UID does not.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	what := fmt.Sprintf("create token for app %q user %q", t.AppID, t.UID)
	_, err := s.wq.exec(ctx, createTokenSQL,
		t.Hash, t.AppID, nullString(t.UID), toMS(t.ExpiresAt), toMS(t.CreatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("sqlite: %s: app or user: %w", what, store.ErrNotFound)
	}
	return mapErr(err, what)
}

// GetToken returns the token with that hash, expired or not, or
// store.ErrNotFound. It is the hot path of the app API: one primary-key
// search on the read pool.
func (s *Store) GetToken(ctx context.Context, hash string) (store.Token, error) {
	t, err := scanToken(s.rq.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = ?`, hash))
	return t, mapErr(err, "get token") // the hash is a credential: keep it out of errors and logs
}

// DeleteToken revokes one token; store.ErrNotFound if absent.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	return s.updateOne(ctx, "delete token", `DELETE FROM tokens WHERE hash = ?`, hash)
}

// DeleteUserTokens revokes every token of uid and returns how many. An empty
// uid matches nothing (app tokens have a NULL uid).
func (s *Store) DeleteUserTokens(ctx context.Context, uid string) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("delete tokens of user %q", uid),
		`DELETE FROM tokens WHERE uid = ?`, uid)
}

// DeleteOtherUserTokens revokes every token of uid except keep, in one
// statement (a request holding keep never sees it fail), and returns how
// many.
func (s *Store) DeleteOtherUserTokens(ctx context.Context, uid, keep string) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("delete other tokens of user %q", uid),
		`DELETE FROM tokens WHERE uid = ? AND hash <> ?`, uid, keep)
}

// DeleteExpiredTokens removes tokens whose expiry is strictly before the
// given time, compared at millisecond precision, and returns how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	return s.deleteMany(ctx, "delete expired tokens",
		`DELETE FROM tokens WHERE expires_at < ?`, toMS(before))
}

// deleteMany runs a single-statement delete (autocommit, so durable on
// return) and reports how many rows it removed.
func (s *Store) deleteMany(ctx context.Context, what, query string, args ...any) (int, error) {
	res, err := s.wq.exec(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, mapErr(err, what)
	}
	return int(n), nil
}

// scanToken reads tokenCols.
func scanToken(sc scanner) (store.Token, error) {
	var t store.Token
	var uid sql.NullString
	var expires, created int64
	if err := sc.Scan(&t.Hash, &t.AppID, &uid, &expires, &created); err != nil {
		return store.Token{}, err
	}
	t.UID = uid.String
	t.ExpiresAt, t.CreatedAt = fromMS(expires), fromMS(created)
	return t, nil
}
