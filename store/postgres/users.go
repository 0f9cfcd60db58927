package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// userCols is the column list every user query returns, in scanUser's order.
const userCols = `uid, app_id, username, email, phone, phone_id, password_hash,
	name, gender, birthday, address, remark, lang, created_at, updated_at`

// findUserSQL holds one query per LoginField; the column name comes from
// this fixed table, never from the caller.
var findUserSQL = map[store.LoginField]string{
	store.ByUsername: `SELECT ` + userCols + ` FROM users WHERE app_id = $1 AND username = $2`,
	store.ByEmail:    `SELECT ` + userCols + ` FROM users WHERE app_id = $1 AND email = $2`,
	store.ByPhone:    `SELECT ` + userCols + ` FROM users WHERE app_id = $1 AND phone = $2`,
	store.ByPhoneID:  `SELECT ` + userCols + ` FROM users WHERE app_id = $1 AND phone_id = $2`,
}

// CreateUser inserts u; store.ErrConflict when u.UID, or a non-empty login
// field, is taken within u.AppID. An unknown u.AppID is store.ErrNotFound.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	what := fmt.Sprintf("create user %q", u.UID)
	_, err := s.db.Exec(ctx,
		`INSERT INTO users (`+userCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		u.UID, u.AppID, nullString(u.Username), nullString(u.Email), nullString(u.Phone), nullString(u.PhoneID),
		u.PasswordHash, u.Name, u.Gender, u.Birthday, u.Address, u.Remark, u.Lang,
		toMS(u.CreatedAt), toMS(u.UpdatedAt))
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("postgres: %s: app %q: %w", what, u.AppID, store.ErrNotFound)
	}
	return mapErr(err, what)
}

// GetUser returns the user with that uid or store.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, uid string) (store.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE uid = $1`, uid))
	return u, mapErr(err, fmt.Sprintf("get user %q", uid))
}

// FindUser returns the user of appID whose field equals value exactly, or
// store.ErrNotFound. An empty value never matches: unset fields are NULL.
func (s *Store) FindUser(ctx context.Context, appID string, field store.LoginField, value string) (store.User, error) {
	what := fmt.Sprintf("find user of app %q by %s %q", appID, field, value)
	q, ok := findUserSQL[field]
	if !ok {
		return store.User{}, fmt.Errorf("postgres: %s: unknown login field", what)
	}
	u, err := scanUser(s.db.QueryRow(ctx, q, appID, value))
	return u, mapErr(err, what)
}

// UpdateUser replaces every field but UID, AppID and CreatedAt;
// store.ErrNotFound if absent, store.ErrConflict on a taken login value.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	return s.updateOne(ctx, fmt.Sprintf("update user %q", u.UID),
		`UPDATE users SET username = $1, email = $2, phone = $3, phone_id = $4, password_hash = $5,
			name = $6, gender = $7, birthday = $8, address = $9, remark = $10, lang = $11, updated_at = $12
		WHERE uid = $13`,
		nullString(u.Username), nullString(u.Email), nullString(u.Phone), nullString(u.PhoneID),
		u.PasswordHash, u.Name, u.Gender, u.Birthday, u.Address, u.Remark, u.Lang, toMS(u.UpdatedAt),
		u.UID)
}

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
