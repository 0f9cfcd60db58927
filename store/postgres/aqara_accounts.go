package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/partners"
)

const (
	authCodeCols       = `app_id, uid, code, validity, attempts, expires_at, created_at`
	aqaraTokenCols     = `access_hash, refresh_hash, app_id, uid, access_expires_at, refresh_expires_at, created_at`
	virtualAccountCols = `app_id, account_id, uid, created_at`
)

const (
	deleteAuthCodeSQL   = `DELETE FROM aqara_auth_codes WHERE app_id = $1 AND uid = $2`
	createAqaraTokenSQL = `INSERT INTO aqara_tokens (` + aqaraTokenCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	// Two nodes refreshing one token race on this DELETE: the row lock
	// makes the second wait, then find the row gone (store.ErrNotFound).
	takeRefreshTokenSQL       = `DELETE FROM aqara_tokens WHERE refresh_hash = $1 AND app_id = $2 RETURNING ` + aqaraTokenCols
	getAqaraTokenSQL          = `SELECT ` + aqaraTokenCols + ` FROM aqara_tokens WHERE access_hash = $1`
	getAqaraTokenByRefreshSQL = `SELECT ` + aqaraTokenCols + ` FROM aqara_tokens WHERE refresh_hash = $1`
	partnersOfUserSQL         = `SELECT DISTINCT app_id FROM aqara_tokens
WHERE uid = $1 AND refresh_expires_at >= $2 ORDER BY app_id`
	deleteAqaraTokensSQL = `DELETE FROM aqara_tokens WHERE app_id = $1 AND uid = $2`
)

// PutAuthCode stores c, replacing the pending code of (c.AppID, c.UID) with
// its attempts; store.ErrNotFound when the partner or user does not exist.
func (s *Store) PutAuthCode(ctx context.Context, c partners.AuthCode) error {
	_, err := s.db.Exec(ctx, `INSERT INTO aqara_auth_codes (`+authCodeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (app_id, uid) DO UPDATE SET code = excluded.code, validity = excluded.validity,
	attempts = excluded.attempts, expires_at = excluded.expires_at, created_at = excluded.created_at`,
		c.AppID, c.UID, c.Code, int64(c.Validity/time.Second), c.Attempts, toMS(c.ExpiresAt), toMS(c.CreatedAt))
	return mapErr(fkNotFound(err, "partner or user"),
		fmt.Sprintf("put auth code of partner %q user %q", c.AppID, c.UID))
}

// GetAuthCode returns the pending code of (appID, uid), expired or not.
func (s *Store) GetAuthCode(ctx context.Context, appID, uid string) (partners.AuthCode, error) {
	c, err := scanAuthCode(s.db.QueryRow(ctx,
		`SELECT `+authCodeCols+` FROM aqara_auth_codes WHERE app_id = $1 AND uid = $2`, appID, uid))
	return c, mapErr(err, fmt.Sprintf("get auth code of partner %q user %q", appID, uid))
}

// ListAuthCodes returns appID's codes not expired at now, newest first
// (ties: uid descending).
func (s *Store) ListAuthCodes(ctx context.Context, appID string, now time.Time) ([]partners.AuthCode, error) {
	rows, err := s.db.Query(ctx, `SELECT `+authCodeCols+` FROM aqara_auth_codes
WHERE app_id = $1 AND expires_at >= $2 ORDER BY created_at DESC, uid DESC`, appID, toMS(now))
	return collect(rows, err, fmt.Sprintf("list auth codes of partner %q", appID), scanAuthCode)
}

// AuthCodeFailed counts one wrong code; the increment is one UPDATE, so
// concurrent wrong guesses on any node are all counted.
func (s *Store) AuthCodeFailed(ctx context.Context, appID, uid string) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `UPDATE aqara_auth_codes SET attempts = attempts + 1
WHERE app_id = $1 AND uid = $2 RETURNING attempts`, appID, uid).Scan(&n)
	return n, mapErr(err, fmt.Sprintf("count wrong auth code of partner %q user %q", appID, uid))
}

// ExchangeAuthCode consumes the pending code of (t.AppID, t.UID) and stores
// t, in one transaction: of two exchanges racing on one code, the second
// waits for the first's row lock, finds the code gone (store.ErrNotFound)
// and stores nothing.
func (s *Store) ExchangeAuthCode(ctx context.Context, t partners.AqaraToken) error {
	return s.writeTx(ctx, fmt.Sprintf("exchange auth code of partner %q user %q", t.AppID, t.UID), func(tx pgx.Tx) error {
		if err := updateOneTx(ctx, tx, deleteAuthCodeSQL, t.AppID, t.UID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, createAqaraTokenSQL, aqaraTokenArgs(t)...)
		return fkNotFound(err, "partner or user")
	})
}

// CreateAqaraToken stores t; store.ErrNotFound when partner or user is
// absent, store.ErrConflict when a hash is taken.
func (s *Store) CreateAqaraToken(ctx context.Context, t partners.AqaraToken) error {
	_, err := s.db.Exec(ctx, createAqaraTokenSQL, aqaraTokenArgs(t)...)
	return mapErr(fkNotFound(err, "partner or user"),
		fmt.Sprintf("create token pair of partner %q user %q", t.AppID, t.UID))
}

// GetAqaraToken returns the pair with that access hash, expired or not.
func (s *Store) GetAqaraToken(ctx context.Context, accessHash string) (partners.AqaraToken, error) {
	t, err := scanAqaraToken(s.db.QueryRow(ctx, getAqaraTokenSQL, accessHash))
	return t, mapErr(err, "get token pair") // the hash is a credential: keep it out of errors
}

// GetAqaraTokenByRefresh returns the pair with that refresh hash, expired
// or not.
func (s *Store) GetAqaraTokenByRefresh(ctx context.Context, refreshHash string) (partners.AqaraToken, error) {
	t, err := scanAqaraToken(s.db.QueryRow(ctx, getAqaraTokenByRefreshSQL, refreshHash))
	return t, mapErr(err, "get token pair by refresh token")
}

// RefreshAqaraToken replaces the pair whose refresh hash is refreshHash, if
// it is t.AppID's, by t in one transaction: of two refreshes racing on one
// refresh token, the second finds it gone (store.ErrNotFound).
func (s *Store) RefreshAqaraToken(ctx context.Context, refreshHash string, t partners.AqaraToken) (partners.AqaraToken, error) {
	var old partners.AqaraToken
	err := s.writeTx(ctx, fmt.Sprintf("refresh token pair of partner %q", t.AppID), func(tx pgx.Tx) error {
		var err error
		if old, err = scanAqaraToken(tx.QueryRow(ctx, takeRefreshTokenSQL, refreshHash, t.AppID)); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, createAqaraTokenSQL, aqaraTokenArgs(t)...)
		return fkNotFound(err, "partner or user")
	})
	if err != nil {
		return partners.AqaraToken{}, err
	}
	return old, nil
}

// DeleteAqaraToken revokes one pair of appID; store.ErrNotFound if absent
// (or another partner's).
func (s *Store) DeleteAqaraToken(ctx context.Context, appID, accessHash string) error {
	return s.updateOne(ctx, fmt.Sprintf("delete token pair of partner %q", appID),
		`DELETE FROM aqara_tokens WHERE access_hash = $1 AND app_id = $2`, accessHash, appID)
}

// DeleteAqaraTokens deletes appID's pairs for uid and returns how many.
func (s *Store) DeleteAqaraTokens(ctx context.Context, appID, uid string) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("delete token pairs of partner %q user %q", appID, uid),
		deleteAqaraTokensSQL, appID, uid)
}

// PartnersOfUser returns, sorted, the partners holding a pair for uid whose
// refresh token has not expired at now.
func (s *Store) PartnersOfUser(ctx context.Context, uid string, now time.Time) ([]string, error) {
	rows, err := s.db.Query(ctx, partnersOfUserSQL, uid, toMS(now))
	return collect(rows, err, fmt.Sprintf("partners of user %q", uid), func(sc scanner) (string, error) {
		var app string
		err := sc.Scan(&app)
		return app, err
	})
}

// CreateVirtualAccount stores v; store.ErrConflict when (AppID, AccountID)
// exists or v.UID is some account already, store.ErrNotFound when the
// partner or user does not exist.
func (s *Store) CreateVirtualAccount(ctx context.Context, v partners.VirtualAccount) error {
	_, err := s.db.Exec(ctx,
		`INSERT INTO aqara_virtual_accounts (`+virtualAccountCols+`) VALUES ($1, $2, $3, $4)`,
		v.AppID, v.AccountID, v.UID, toMS(v.CreatedAt))
	return mapErr(fkNotFound(err, "partner or user"),
		fmt.Sprintf("create virtual account %q of partner %q", v.AccountID, v.AppID))
}

// GetVirtualAccount returns one virtual account or store.ErrNotFound.
func (s *Store) GetVirtualAccount(ctx context.Context, appID, accountID string) (partners.VirtualAccount, error) {
	var v partners.VirtualAccount
	var created int64
	err := s.db.QueryRow(ctx,
		`SELECT `+virtualAccountCols+` FROM aqara_virtual_accounts WHERE app_id = $1 AND account_id = $2`,
		appID, accountID).Scan(&v.AppID, &v.AccountID, &v.UID, &created)
	if err != nil {
		return partners.VirtualAccount{}, mapErr(err, fmt.Sprintf("get virtual account %q of partner %q", accountID, appID))
	}
	v.CreatedAt = fromMS(created)
	return v, nil
}

func aqaraTokenArgs(t partners.AqaraToken) []any {
	return []any{t.AccessHash, t.RefreshHash, t.AppID, t.UID,
		toMS(t.AccessExpiresAt), toMS(t.RefreshExpiresAt), toMS(t.CreatedAt)}
}

func scanAuthCode(sc scanner) (partners.AuthCode, error) {
	var c partners.AuthCode
	var validity, expires, created int64
	if err := sc.Scan(&c.AppID, &c.UID, &c.Code, &validity, &c.Attempts, &expires, &created); err != nil {
		return partners.AuthCode{}, err
	}
	c.Validity = time.Duration(validity) * time.Second
	c.ExpiresAt, c.CreatedAt = fromMS(expires), fromMS(created)
	return c, nil
}

func scanAqaraToken(sc scanner) (partners.AqaraToken, error) {
	var t partners.AqaraToken
	var accessExp, refreshExp, created int64
	err := sc.Scan(&t.AccessHash, &t.RefreshHash, &t.AppID, &t.UID, &accessExp, &refreshExp, &created)
	if err != nil {
		return partners.AqaraToken{}, err
	}
	t.AccessExpiresAt, t.RefreshExpiresAt, t.CreatedAt = fromMS(accessExp), fromMS(refreshExp), fromMS(created)
	return t, nil
}
