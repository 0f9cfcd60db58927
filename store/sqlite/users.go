package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
	sqlite3 "modernc.org/sqlite/lib"
)

// userCols is the column list every user query returns, in scanUser's order.
const userCols = `uid, app_id, username, email, phone, phone_id, password_hash,
	name, gender, birthday, address, remark, lang, created_at, updated_at`

// findUserSQL holds one query per LoginField. The column name comes from this
// fixed table, never from the caller, and each text is cached once.
var findUserSQL = map[store.LoginField]string{
	store.ByUsername: `SELECT ` + userCols + ` FROM users WHERE app_id = ? AND username = ?`,
	store.ByEmail:    `SELECT ` + userCols + ` FROM users WHERE app_id = ? AND email = ?`,
	store.ByPhone:    `SELECT ` + userCols + ` FROM users WHERE app_id = ? AND phone = ?`,
	store.ByPhoneID:  `SELECT ` + userCols + ` FROM users WHERE app_id = ? AND phone_id = ?`,
}

// CreateUser inserts u; store.ErrConflict when u.UID, or a non-empty login
// field, is taken within u.AppID. An unknown u.AppID is store.ErrNotFound.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	what := fmt.Sprintf("create user %q", u.UID)
	_, err := s.wq.exec(ctx,
		`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.UID, u.AppID, nullString(u.Username), nullString(u.Email), nullString(u.Phone), nullString(u.PhoneID),
		u.PasswordHash, u.Name, u.Gender, u.Birthday, u.Address, u.Remark, u.Lang,
		toMS(u.CreatedAt), toMS(u.UpdatedAt))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("sqlite: %s: app %q: %w", what, u.AppID, store.ErrNotFound)
	}
	return mapErr(err, what)
}

// GetUser returns the user with that uid or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, uid string) (store.User, error) {
	u, err := scanUser(s.rq.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE uid = ?`, uid))
	return u, mapErr(err, fmt.Sprintf("get user %q", uid))
}

// FindUser returns the user of appID whose field equals value exactly, or
// store.ErrNotFound. An empty value never matches: unset fields are NULL.
func (s *Store) FindUser(ctx context.Context, appID string, field store.LoginField, value string) (store.User, error) {
	what := fmt.Sprintf("find user of app %q by %s %q", appID, field, value)
	q, ok := findUserSQL[field]
	if !ok {
		return store.User{}, fmt.Errorf("sqlite: %s: unknown login field", what)
	}
	u, err := scanUser(s.rq.queryRow(ctx, q, appID, value))
	return u, mapErr(err, what)
}

// UpdateUser replaces every field but UID, AppID and CreatedAt;
// store.ErrNotFound if absent, store.ErrConflict on a taken login value.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	return s.updateOne(ctx, fmt.Sprintf("update user %q", u.UID),
		`UPDATE users SET username = ?, email = ?, phone = ?, phone_id = ?, password_hash = ?,
			name = ?, gender = ?, birthday = ?, address = ?, remark = ?, lang = ?, updated_at = ?
		WHERE uid = ?`,
		nullString(u.Username), nullString(u.Email), nullString(u.Phone), nullString(u.PhoneID),
		u.PasswordHash, u.Name, u.Gender, u.Birthday, u.Address, u.Remark, u.Lang, toMS(u.UpdatedAt),
		u.UID)
}

// scanUser reads userCols.
func scanUser(sc scanner) (store.User, error) {
	var u store.User
	var username, email, phone, phoneID sql.NullString
	var created, updated int64
	err := sc.Scan(&u.UID, &u.AppID, &username, &email, &phone, &phoneID, &u.PasswordHash,
		&u.Name, &u.Gender, &u.Birthday, &u.Address, &u.Remark, &u.Lang, &created, &updated)
	if err != nil {
		return store.User{}, err
	}
	u.Username, u.Email, u.Phone, u.PhoneID = username.String, email.String, phone.String, phoneID.String
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, nil
}

// nullString stores "" as NULL, for optional columns that are unique when
// set: SQLite's unique indexes never consider two NULLs equal.
func nullString(v string) sql.NullString {
	return sql.NullString{String: v, Valid: v != ""}
}
