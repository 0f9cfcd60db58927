package core

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/auth/password"
	"github.com/switchboard-iot/switchboard/store"
)

// Account errors; adapters map them to their codes (Gizwits: 9003, 9004,
// 9005, 9006, 9018, 9019, 9020, 9022, 9038).
var (
	ErrAppNotFound   = errors.New("core: application not found")
	ErrTokenInvalid  = errors.New("core: token invalid")
	ErrTokenExpired  = errors.New("core: token expired")
	ErrBadLogin      = errors.New("core: username or password error")
	ErrUserNotFound  = errors.New("core: user not found")
	ErrUsernameTaken = errors.New("core: username unavailable")
	ErrEmailTaken    = errors.New("core: email unavailable")
	ErrPhoneTaken    = errors.New("core: phone unavailable")
	ErrAppAuth       = errors.New("core: application auth invalid")
)

// DefaultTokenTTL is how long a user or application token lives: the 7
// days of the Gizwits Open API document (see docs/decisions.md).
const DefaultTokenTTL = 7 * 24 * time.Hour

// Session is a token just issued, as the client will hold it.
type Session struct {
	Token     string
	UID       string
	ExpiresAt time.Time
}

// NewUser is a POST /app/users request: PhoneID alone for an anonymous
// user, or Username or Email with Password.
type NewUser struct {
	PhoneID, Username, Email, Password, Lang string
}

// App returns an application, or ErrAppNotFound.
func (n *Node) App(ctx context.Context, appID string) (store.App, error) {
	a, err := n.store.GetApp(ctx, appID)
	if errors.Is(err, store.ErrNotFound) {
		return store.App{}, ErrAppNotFound
	}
	return a, err
}

// CreateUser registers a user in an application and logs it in. An
// anonymous user (PhoneID) that exists already is logged in again
// (created=false), which is how the Gizwits JS SDK's init() works on every
// page load.
func (n *Node) CreateUser(ctx context.Context, appID string, req NewUser) (store.User, Session, bool, error) {
	if _, err := n.App(ctx, appID); err != nil {
		return store.User{}, Session{}, false, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := store.User{UID: NewKey(), AppID: appID, Lang: req.Lang, CreatedAt: now, UpdatedAt: now}
	switch {
	case req.PhoneID != "" && req.Username == "" && req.Email == "":
		if len(req.PhoneID) > 128 {
			return store.User{}, Session{}, false, invalidInput("phone_id", "must be at most 128 characters")
		}
		if old, err := n.store.FindUser(ctx, appID, store.ByPhoneID, req.PhoneID); err == nil {
			s, err := n.issueToken(ctx, appID, old.UID)
			return old, s, false, err
		}
		u.PhoneID = req.PhoneID
	case req.Username != "" || req.Email != "":
		if req.Username != "" && req.Email != "" {
			return store.User{}, Session{}, false, invalidInput("", "give username or email, not both")
		}
		if err := checkPassword(req.Password); err != nil {
			return store.User{}, Session{}, false, err
		}
		u.Username, u.Email = strings.TrimSpace(req.Username), strings.ToLower(strings.TrimSpace(req.Email))
		if len(u.Username) > 64 || len(u.Email) > 254 || (u.Email != "" && !strings.Contains(u.Email, "@")) {
			return store.User{}, Session{}, false, invalidInput("", "username or email malformed")
		}
		h, err := n.hashPassword(ctx, req.Password)
		if err != nil {
			return store.User{}, Session{}, false, err
		}
		u.PasswordHash = h
	default:
		return store.User{}, Session{}, false, invalidInput("", "give phone_id, or username or email with password")
	}
	if err := n.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			switch {
			case u.Username != "":
				return store.User{}, Session{}, false, ErrUsernameTaken
			case u.Email != "":
				return store.User{}, Session{}, false, ErrEmailTaken
			}
			// Two first visits of one anonymous install raced: log in.
			if old, err := n.store.FindUser(ctx, appID, store.ByPhoneID, u.PhoneID); err == nil {
				s, err := n.issueToken(ctx, appID, old.UID)
				return old, s, false, err
			}
		}
		return store.User{}, Session{}, false, err
	}
	s, err := n.issueToken(ctx, appID, u.UID)
	return u, s, true, err
}

func checkPassword(pw string) error {
	if len(pw) < 6 || len(pw) > 128 {
		return invalidInput("password", "must be 6 to 128 characters")
	}
	return nil
}

// Login checks a username, email or phone with its password and issues a
// new token; earlier tokens stay valid, as in the Gizwits cloud.
func (n *Node) Login(ctx context.Context, appID, login, pw string) (store.User, Session, error) {
	if _, err := n.App(ctx, appID); err != nil {
		return store.User{}, Session{}, err
	}
	login = strings.TrimSpace(login)
	var u store.User
	err := store.ErrNotFound
	for _, f := range []store.LoginField{store.ByUsername, store.ByEmail, store.ByPhone} {
		v := login
		if f == store.ByEmail {
			v = strings.ToLower(v)
		}
		if u, err = n.store.FindUser(ctx, appID, f, v); err == nil {
			break
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.User{}, Session{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		// Hash anyway so an unknown login costs as much as a wrong password
		// and cannot be told apart by timing.
		hash = n.dummyHash
	}
	ok, verr := n.verifyPassword(ctx, hash, pw)
	if verr != nil && !errors.Is(verr, password.ErrMalformed) {
		return store.User{}, Session{}, verr
	}
	if err != nil || !ok || u.PasswordHash == "" {
		return store.User{}, Session{}, ErrBadLogin
	}
	s, err := n.issueToken(ctx, appID, u.UID)
	return u, s, err
}

// AppToken issues an application token (POST /app/request_token) to a
// caller that proves it knows the app secret with lower(md5(appid+secret)).
func (n *Node) AppToken(ctx context.Context, appID, auth string) (Session, error) {
	a, err := n.App(ctx, appID)
	if err != nil {
		return Session{}, err
	}
	sum := md5.Sum([]byte(a.ID + a.Secret))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(auth)), []byte(want)) != 1 {
		return Session{}, ErrAppAuth
	}
	return n.issueToken(ctx, appID, "")
}

// UserByToken authenticates a user token presented with an appid:
// ErrAppNotFound when no application has that appid, ErrTokenInvalid or
// ErrTokenExpired when the token is not a live user token of it.
func (n *Node) UserByToken(ctx context.Context, appID, token string) (store.User, error) {
	u, _, err := n.AuthToken(ctx, appID, token)
	return u, err
}

// tokenRefused says why a token does not authenticate a user of appID:
// ErrAppNotFound when there is no such application (the appid is what is
// wrong, 9003, as the HTTP API answers before it looks at a token),
// ErrTokenInvalid otherwise. The application is looked up only on this
// failure path: a token valid for appID proves the application exists.
func (n *Node) tokenRefused(ctx context.Context, appID string) error {
	if _, err := n.App(ctx, appID); err != nil {
		return err
	}
	return ErrTokenInvalid
}

// RevokeUserTokens ends every token of a user (a lost phone, a leaked
// token) and every live session logged in with one; it returns how many
// tokens there were. ErrUserNotFound if no such user.
func (n *Node) RevokeUserTokens(ctx context.Context, uid string) (int, error) {
	if _, err := n.store.GetUser(ctx, uid); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, ErrUserNotFound
		}
		return 0, err
	}
	c, err := n.store.DeleteUserTokens(ctx, uid)
	if err != nil {
		return 0, err
	}
	n.publishAccess(ctx, AccessEvent{UID: uid, Reason: AccessTokensRevoked})
	return c, nil
}

// RevokeToken ends one token and the live sessions logged in with it.
func (n *Node) RevokeToken(ctx context.Context, token string) error {
	h := TokenHash(token)
	t, err := n.store.GetToken(ctx, h)
	if err == nil {
		err = n.store.DeleteToken(ctx, h)
	}
	if errors.Is(err, store.ErrNotFound) {
		return ErrTokenInvalid
	}
	if err != nil {
		return err
	}
	if t.UID != "" {
		n.publishAccess(ctx, AccessEvent{UID: t.UID, TokenHash: h, Reason: AccessTokenRevoked})
	}
	return nil
}

// CheckPassword reports whether pw is the user's password, without issuing
// a token (PUT /app/users checks old_pwd with it). ErrBadLogin when not.
func (n *Node) CheckPassword(ctx context.Context, u store.User, pw string) error {
	hash := u.PasswordHash
	if hash == "" {
		hash = n.dummyHash
	}
	ok, err := n.verifyPassword(ctx, hash, pw)
	if err != nil && !errors.Is(err, password.ErrMalformed) {
		return err
	}
	if !ok || u.PasswordHash == "" {
		return ErrBadLogin
	}
	return nil
}

// UpdateUser saves profile changes, and a new password when pw is not
// empty. A new password ends every other token of the user and the live
// sessions logged in with them; keepToken, the token of the request that
// changed it, stays valid (unlike the Gizwits cloud, where every token
// does: docs/decisions.md).
func (n *Node) UpdateUser(ctx context.Context, u store.User, pw, keepToken string) (store.User, error) {
	if pw != "" {
		if err := checkPassword(pw); err != nil {
			return store.User{}, err
		}
		h, err := n.hashPassword(ctx, pw)
		if err != nil {
			return store.User{}, err
		}
		u.PasswordHash = h
	}
	u.UpdatedAt = time.Now().UTC().Truncate(time.Millisecond)
	if err := n.store.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, n.takenField(ctx, u)
		}
		return store.User{}, err
	}
	if pw != "" {
		keep := ""
		if keepToken != "" {
			keep = TokenHash(keepToken)
		}
		if _, err := n.store.DeleteOtherUserTokens(ctx, u.UID, keep); err != nil {
			return store.User{}, err
		}
		n.publishAccess(ctx, AccessEvent{UID: u.UID, KeepHash: keep, Reason: AccessPasswordChange})
	}
	return u, nil
}

// takenField says which unique value of u another user of its app holds.
func (n *Node) takenField(ctx context.Context, u store.User) error {
	for _, c := range []struct {
		field store.LoginField
		value string
		err   error
	}{
		{store.ByUsername, u.Username, ErrUsernameTaken},
		{store.ByEmail, u.Email, ErrEmailTaken},
		{store.ByPhone, u.Phone, ErrPhoneTaken},
	} {
		if c.value == "" {
			continue
		}
		if other, err := n.store.FindUser(ctx, u.AppID, c.field, c.value); err == nil && other.UID != u.UID {
			return c.err
		}
	}
	return ErrUsernameTaken
}

func (n *Node) issueToken(ctx context.Context, appID, uid string) (Session, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Session{}, err
	}
	tok := hex.EncodeToString(b[:])
	now := time.Now().UTC().Truncate(time.Millisecond)
	t := store.Token{Hash: TokenHash(tok), AppID: appID, UID: uid, ExpiresAt: now.Add(n.tokenTTL), CreatedAt: now}
	if err := n.store.CreateToken(ctx, t); err != nil {
		return Session{}, err
	}
	return Session{Token: tok, UID: uid, ExpiresAt: t.ExpiresAt}, nil
}

// TokenHash is how tokens are kept in the store: their SHA-256, hex. A
// stolen database yields no usable token.
func TokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// hashPassword and verifyPassword run at most hashSlots at a time: each
// argon2id run holds 19 MiB, so a login flood queues instead of exhausting
// memory.
func (n *Node) hashPassword(ctx context.Context, pw string) (string, error) {
	if err := n.acquireHashSlot(ctx); err != nil {
		return "", err
	}
	defer func() { <-n.hashSlots }()
	return password.Hash(pw)
}

func (n *Node) verifyPassword(ctx context.Context, hash, pw string) (bool, error) {
	if err := n.acquireHashSlot(ctx); err != nil {
		return false, err
	}
	defer func() { <-n.hashSlots }()
	return password.Verify(hash, pw)
}

func (n *Node) acquireHashSlot(ctx context.Context) error {
	select {
	case n.hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
