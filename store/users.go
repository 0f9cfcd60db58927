package store

import (
	"context"
	"time"
)

// User is an app user. Users live inside one application (appid), as in
// the Gizwits cloud: the same username under two apps is two users.
type User struct {
	UID   string // 32 lower-case hex characters
	AppID string
	// At most one of Username, Email, Phone identifies a registered user;
	// PhoneID identifies an anonymous one (a device-bound install id).
	// Empty means unset; each non-empty value is unique within the app.
	Username, Email, Phone, PhoneID string
	// PasswordHash is a PHC-style slow hash (argon2id); empty for anonymous
	// users.
	PasswordHash string
	// Profile fields apps may set with PUT /app/users.
	Name, Gender, Birthday, Address, Remark, Lang string
	CreatedAt, UpdatedAt                          time.Time
}

// LoginField names the unique field FindUser searches.
type LoginField string

const (
	ByUsername LoginField = "username"
	ByEmail    LoginField = "email"
	ByPhone    LoginField = "phone"
	ByPhoneID  LoginField = "phone_id"
)

// Users stores app users.
type Users interface {
	// CreateUser inserts u; ErrNotFound when u.AppID does not exist;
	// ErrConflict when u.UID, or a non-empty
	// Username, Email, Phone or PhoneID, is taken within u.AppID.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user or ErrNotFound.
	GetUser(ctx context.Context, uid string) (User, error)
	// FindUser returns the user of appID whose field equals value, or
	// ErrNotFound; an unknown field is an error. Values are compared
	// exactly (callers normalise case).
	FindUser(ctx context.Context, appID string, field LoginField, value string) (User, error)
	// UpdateUser replaces every field but UID, AppID and CreatedAt;
	// ErrNotFound if absent, ErrConflict on a taken unique value.
	UpdateUser(ctx context.Context, u User) error
}
