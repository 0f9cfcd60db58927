package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

const tokenCols = `hash, app_id, uid, expires_at, created_at`

// CreateToken inserts t; store.ErrConflict if the hash exists,
// store.ErrNotFound if t.AppID or a non-empty t.UID does not.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	what := fmt.Sprintf("create token for app %q user %q", t.AppID, t.UID)
	_, err := s.db.Exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5)`,
		t.Hash, t.AppID, nullString(t.UID), toMS(t.ExpiresAt), toMS(t.CreatedAt))
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("postgres: %s: app or user: %w", what, store.ErrNotFound)
	}
	return mapErr(err, what)
}

// GetToken returns the token with that hash, expired or not, or
// store.ErrNotFound.
func (s *Store) GetToken(ctx context.Context, hash string) (store.Token, error) {
	t, err := scanToken(s.db.QueryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash))
	return t, mapErr(err, "get token") // the hash is a credential: keep it out of errors and logs
}

// DeleteToken revokes one token; store.ErrNotFound if absent.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	return s.updateOne(ctx, "delete token", `DELETE FROM tokens WHERE hash = $1`, hash)
}

// DeleteUserTokens revokes every token of uid and returns how many.
func (s *Store) DeleteUserTokens(ctx context.Context, uid string) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("delete tokens of user %q", uid),
		`DELETE FROM tokens WHERE uid = $1`, uid)
}

// DeleteOtherUserTokens revokes every token of uid except keep, in one
// statement, and returns how many.
func (s *Store) DeleteOtherUserTokens(ctx context.Context, uid, keep string) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("delete other tokens of user %q", uid),
		`DELETE FROM tokens WHERE uid = $1 AND hash <> $2`, uid, keep)
}

// DeleteExpiredTokens removes tokens whose expiry is strictly before the
// given time, at millisecond precision, and returns how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error) {
	return s.deleteMany(ctx, "delete expired tokens", `DELETE FROM tokens WHERE expires_at < $1`, toMS(before))
}

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
