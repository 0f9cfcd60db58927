package core

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// When a user's access ends (tokens revoked, password changed), every live
// session that logged in with an affected token must end too, on every
// node. The core says so on the bus rather than calling adapters, so the
// news reaches sessions held by other nodes once several share a bus.

// SubjectUserAccess carries AccessEvents of one user.
func SubjectUserAccess(uid string) string { return "sb.user." + uid + ".access" }

// PatternAllUserAccess matches SubjectUserAccess for every user.
const PatternAllUserAccess = "sb.user.*.access"

// Why access ended, as AccessEvent.Reason says it.
const (
	AccessTokensRevoked  = "tokens revoked"   // RevokeUserTokens (an operator)
	AccessTokenRevoked   = "token revoked"    // RevokeToken
	AccessPasswordChange = "password changed" // UpdateUser with a new password
)

// AccessEvent says tokens of a user stopped being valid. TokenHash names
// one token (its SHA-256, as stored); empty means every token of the user
// except KeepHash (empty: none kept).
type AccessEvent struct {
	UID       string    `json:"uid"`
	TokenHash string    `json:"token_hash,omitempty"`
	KeepHash  string    `json:"keep_hash,omitempty"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// Ends reports whether a session of e.UID logged in with the token whose
// hash is h loses its access.
func (e AccessEvent) Ends(h string) bool {
	if e.TokenHash != "" {
		return h == e.TokenHash
	}
	return e.KeepHash == "" || h != e.KeepHash
}

// TokenGrant is what a live session remembers of the token it logged in
// with: which one (its hash, to match AccessEvents) and when it expires
// (the session ends then, without any client action).
type TokenGrant struct {
	Hash      string
	ExpiresAt time.Time
}

// AuthToken authenticates a user token presented with an appid, as
// UserByToken does, and also returns the grant a long-lived session keeps.
func (n *Node) AuthToken(ctx context.Context, appID, token string) (store.User, TokenGrant, error) {
	if token == "" || len(token) > 128 {
		return store.User{}, TokenGrant{}, n.tokenRefused(ctx, appID)
	}
	t, err := n.store.GetToken(ctx, TokenHash(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, TokenGrant{}, n.tokenRefused(ctx, appID)
	}
	if err != nil {
		return store.User{}, TokenGrant{}, err
	}
	if t.UID == "" || t.AppID != appID {
		return store.User{}, TokenGrant{}, n.tokenRefused(ctx, appID)
	}
	if !time.Now().Before(t.ExpiresAt) {
		return store.User{}, TokenGrant{}, ErrTokenExpired
	}
	u, err := n.store.GetUser(ctx, t.UID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, TokenGrant{}, ErrTokenInvalid
	}
	if err != nil {
		return store.User{}, TokenGrant{}, err
	}
	return u, TokenGrant{Hash: t.Hash, ExpiresAt: t.ExpiresAt}, nil
}

// publishAccess tells every node that tokens of a user ended.
func (n *Node) publishAccess(ctx context.Context, e AccessEvent) {
	e.At = time.Now().UTC()
	n.publishJSON(ctx, SubjectUserAccess(e.UID), e)
}
