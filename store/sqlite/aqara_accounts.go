package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
)

// Column lists, in the order of the matching scan functions.
const (
	authCodeCols       = `app_id, uid, code, validity, attempts, expires_at, created_at`
	aqaraTokenCols     = `access_hash, refresh_hash, app_id, uid, access_expires_at, refresh_expires_at, created_at`
	virtualAccountCols = `app_id, account_id, uid, created_at`
)

// The statements ExchangeAuthCode and RefreshAqaraToken run in their
// transactions.
const (
	deleteAuthCodeSQL   = `DELETE FROM aqara_auth_codes WHERE app_id = ? AND uid = ?`
	createAqaraTokenSQL = `INSERT INTO aqara_tokens (` + aqaraTokenCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`
	takeRefreshTokenSQL = `DELETE FROM aqara_tokens WHERE refresh_hash = ? AND app_id = ? RETURNING ` + aqaraTokenCols
)

// The reads of the token pairs; TestQueryPlans checks each is a search.
const (
	getAqaraTokenSQL          = `SELECT ` + aqaraTokenCols + ` FROM aqara_tokens WHERE access_hash = ?`
	getAqaraTokenByRefreshSQL = `SELECT ` + aqaraTokenCols + ` FROM aqara_tokens WHERE refresh_hash = ?`
	partnersOfUserSQL         = `SELECT DISTINCT app_id FROM aqara_tokens
WHERE uid = ? AND refresh_expires_at >= ? ORDER BY app_id`
	deleteAqaraTokensSQL = `DELETE FROM aqara_tokens WHERE app_id = ? AND uid = ?`
)

// PutAuthCode stores c, replacing the pending code of (c.AppID, c.UID) with
// its attempts; store.ErrNotFound when the partner or user does not exist.
// Validity is kept in whole seconds.
func (s *Store) PutAuthCode(ctx context.Context, c partners.AuthCode) error {
	_, err := s.wq.exec(ctx, `INSERT INTO aqara_auth_codes (`+authCodeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (app_id, uid) DO UPDATE SET code = excluded.code, validity = excluded.validity,
	attempts = excluded.attempts, expires_at = excluded.expires_at, created_at = excluded.created_at`,
		c.AppID, c.UID, c.Code, int64(c.Validity/time.Second), c.Attempts, toMS(c.ExpiresAt), toMS(c.CreatedAt))
	return mapErr(fkNotFound(err, "partner or user"),
		fmt.Sprintf("put auth code of partner %q user %q", c.AppID, c.UID))
}

// GetAuthCode returns the pending code of (appID, uid), expired or not.
func (s *Store) GetAuthCode(ctx context.Context, appID, uid string) (partners.AuthCode, error) {
	c, err := scanAuthCode(s.rq.queryRow(ctx,
		`SELECT `+authCodeCols+` FROM aqara_auth_codes WHERE app_id = ? AND uid = ?`, appID, uid))
	return c, mapErr(err, fmt.Sprintf("get auth code of partner %q user %q", appID, uid))
}

// ListAuthCodes returns appID's codes not expired at now (a code expiring
// exactly at now is still live, as a token is for DeleteExpiredTokens),
// newest first (ties: uid descending, the reverse of oldest first).
func (s *Store) ListAuthCodes(ctx context.Context, appID string, now time.Time) ([]partners.AuthCode, error) {
	what := fmt.Sprintf("list auth codes of partner %q", appID)
	rows, err := s.rq.query(ctx, `SELECT `+authCodeCols+` FROM aqara_auth_codes
WHERE app_id = ? AND expires_at >= ? ORDER BY created_at DESC, uid DESC`, appID, toMS(now))
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var cs []partners.AuthCode
	for rows.Next() {
		c, err := scanAuthCode(rows)
		if err != nil {
			return nil, mapErr(err, what)
		}
		cs = append(cs, c)
	}
	return cs, mapErr(rows.Err(), what)
}

// AuthCodeFailed counts one wrong code; the increment is done by SQLite, so
// concurrent wrong guesses are all counted.
func (s *Store) AuthCodeFailed(ctx context.Context, appID, uid string) (int, error) {
	var n int
	err := s.wq.queryRow(ctx, `UPDATE aqara_auth_codes SET attempts = attempts + 1
WHERE app_id = ? AND uid = ? RETURNING attempts`, appID, uid).Scan(&n)
	return n, mapErr(err, fmt.Sprintf("count wrong auth code of partner %q user %q", appID, uid))
}

// ExchangeAuthCode consumes the pending code of (t.AppID, t.UID) and stores
// t, in one transaction: of two exchanges racing on one code, the second
// finds it gone (store.ErrNotFound) and stores nothing.
func (s *Store) ExchangeAuthCode(ctx context.Context, t partners.AqaraToken) error {
	return s.writeTx(ctx, fmt.Sprintf("exchange auth code of partner %q user %q", t.AppID, t.UID), func(tx *sql.Tx) error {
		if err := s.updateOneTx(ctx, tx, deleteAuthCodeSQL, t.AppID, t.UID); err != nil {
			return err
		}
		_, err := s.execTx(ctx, tx, createAqaraTokenSQL, aqaraTokenArgs(t)...)
		return fkNotFound(err, "partner or user")
	})
}

// CreateAqaraToken stores t; store.ErrNotFound when partner or user is
// absent, store.ErrConflict when a hash is taken.
func (s *Store) CreateAqaraToken(ctx context.Context, t partners.AqaraToken) error {
	_, err := s.wq.exec(ctx, createAqaraTokenSQL, aqaraTokenArgs(t)...)
	return mapErr(fkNotFound(err, "partner or user"),
		fmt.Sprintf("create token pair of partner %q user %q", t.AppID, t.UID))
}

// GetAqaraToken returns the pair with that access hash, expired or not. It
// runs on every partner call made for an account: one primary-key search
// on the read pool.
func (s *Store) GetAqaraToken(ctx context.Context, accessHash string) (partners.AqaraToken, error) {
	t, err := scanAqaraToken(s.rq.queryRow(ctx, getAqaraTokenSQL, accessHash))
	return t, mapErr(err, "get token pair") // the hash is a credential: keep it out of errors
}

// GetAqaraTokenByRefresh returns the pair with that refresh hash, expired
// or not (a search of its UNIQUE index).
func (s *Store) GetAqaraTokenByRefresh(ctx context.Context, refreshHash string) (partners.AqaraToken, error) {
	t, err := scanAqaraToken(s.rq.queryRow(ctx, getAqaraTokenByRefreshSQL, refreshHash))
	return t, mapErr(err, "get token pair by refresh token")
}

// RefreshAqaraToken replaces the pair whose refresh hash is refreshHash, if
// it is t.AppID's, by t in one transaction: of two refreshes racing on one
// refresh token, the second finds it gone (store.ErrNotFound) and stores
// nothing. Expiry is the caller's to check (GetAqaraTokenByRefresh).
func (s *Store) RefreshAqaraToken(ctx context.Context, refreshHash string, t partners.AqaraToken) (partners.AqaraToken, error) {
	var old partners.AqaraToken
	err := s.writeTx(ctx, fmt.Sprintf("refresh token pair of partner %q", t.AppID), func(tx *sql.Tx) error {
		var err error
		if old, err = scanAqaraToken(s.queryRowTx(ctx, tx, takeRefreshTokenSQL, refreshHash, t.AppID)); err != nil {
			return err
		}
		_, err = s.execTx(ctx, tx, createAqaraTokenSQL, aqaraTokenArgs(t)...)
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
		`DELETE FROM aqara_tokens WHERE access_hash = ? AND app_id = ?`, accessHash, appID)
}

// DeleteAqaraTokens deletes appID's pairs for uid and returns how many.
func (s *Store) DeleteAqaraTokens(ctx context.Context, appID, uid string) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("delete token pairs of partner %q user %q", appID, uid),
		deleteAqaraTokensSQL, appID, uid)
}

// PartnersOfUser returns, sorted, the partners holding a pair for uid whose
// refresh token has not expired at now (expiring exactly at now counts as
// live).
func (s *Store) PartnersOfUser(ctx context.Context, uid string, now time.Time) ([]string, error) {
	what := fmt.Sprintf("partners of user %q", uid)
	rows, err := s.rq.query(ctx, partnersOfUserSQL, uid, toMS(now))
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var apps []string
	for rows.Next() {
		var app string
		if err := rows.Scan(&app); err != nil {
			return nil, mapErr(err, what)
		}
		apps = append(apps, app)
	}
	return apps, mapErr(rows.Err(), what)
}

// CreateVirtualAccount stores v; store.ErrConflict when (AppID, AccountID)
// exists or v.UID is some account already, store.ErrNotFound when the
// partner or user does not exist.
func (s *Store) CreateVirtualAccount(ctx context.Context, v partners.VirtualAccount) error {
	_, err := s.wq.exec(ctx,
		`INSERT INTO aqara_virtual_accounts (`+virtualAccountCols+`) VALUES (?, ?, ?, ?)`,
		v.AppID, v.AccountID, v.UID, toMS(v.CreatedAt))
	return mapErr(fkNotFound(err, "partner or user"),
		fmt.Sprintf("create virtual account %q of partner %q", v.AccountID, v.AppID))
}

// GetVirtualAccount returns one virtual account or store.ErrNotFound.
func (s *Store) GetVirtualAccount(ctx context.Context, appID, accountID string) (partners.VirtualAccount, error) {
	var v partners.VirtualAccount
	var created int64
	err := s.rq.queryRow(ctx,
		`SELECT `+virtualAccountCols+` FROM aqara_virtual_accounts WHERE app_id = ? AND account_id = ?`,
		appID, accountID).Scan(&v.AppID, &v.AccountID, &v.UID, &created)
	if err != nil {
		return partners.VirtualAccount{}, mapErr(err, fmt.Sprintf("get virtual account %q of partner %q", accountID, appID))
	}
	v.CreatedAt = fromMS(created)
	return v, nil
}

// aqaraTokenArgs are createAqaraTokenSQL's arguments.
func aqaraTokenArgs(t partners.AqaraToken) []any {
	return []any{t.AccessHash, t.RefreshHash, t.AppID, t.UID,
		toMS(t.AccessExpiresAt), toMS(t.RefreshExpiresAt), toMS(t.CreatedAt)}
}

// scanAuthCode reads authCodeCols.
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

// scanAqaraToken reads aqaraTokenCols.
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
