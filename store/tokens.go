package store

import (
	"context"
	"time"
)

// Token is an issued access token. Only a hash of the secret is stored, so
// a copy of the database does not hand out sessions.
type Token struct {
	// Hash is the lower-case hex SHA-256 of the token the client holds.
	Hash  string
	AppID string
	// UID is the user the token acts for; empty for an application token
	// (POST /app/request_token).
	UID       string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Tokens stores access tokens.
type Tokens interface {
	// CreateToken inserts t; ErrConflict if the hash exists, ErrNotFound
	// when its app or user does not exist.
	CreateToken(ctx context.Context, t Token) error
	// GetToken returns the token with that hash or ErrNotFound; expired
	// tokens are still returned (the caller tells expired from unknown).
	GetToken(ctx context.Context, hash string) (Token, error)
	// DeleteToken revokes one token; ErrNotFound if absent.
	DeleteToken(ctx context.Context, hash string) error
	// DeleteUserTokens revokes every token of a user; it returns how many.
	DeleteUserTokens(ctx context.Context, uid string) (int, error)
	// DeleteOtherUserTokens revokes every token of a user but the one
	// whose hash is keep (a password change keeps its caller's token); it
	// returns how many. An empty keep keeps none.
	DeleteOtherUserTokens(ctx context.Context, uid, keep string) (int, error)
	// DeleteExpiredTokens removes tokens that expired before t; it returns
	// how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int, error)
}
