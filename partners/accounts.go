package partners

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// A partner acts for accounts, and an account is a Switchboard user of the
// partner's UserAppID app: a real user (Aqara accountType 0, found by
// username, e-mail or phone) who consents with a one-time code, or a
// virtual account the partner created for a user of its own (accountType
// 2). docs/protocol-aqara.md tells the flows and why.

// Errors of the partner account flows.
var (
	ErrNoUserApp        = errors.New("partners: partner has no user app")
	ErrAccountType      = errors.New("partners: account type not supported")
	ErrAccountNotFound  = errors.New("partners: account not found")
	ErrAccountExists    = errors.New("partners: account exists")
	ErrAuthCodeWrong    = errors.New("partners: auth code incorrect")
	ErrAuthCodeInvalid  = errors.New("partners: auth code expired or used")
	ErrAuthCodeTooOften = errors.New("partners: auth code requested again too soon")
	ErrRefreshInvalid   = errors.New("partners: refresh token incorrect")
	ErrRefreshExpired   = errors.New("partners: refresh token expired")
	ErrAccessTokenWrong = errors.New("partners: access token incorrect")
)

// Account types (Aqara accountType).
const (
	AccountUser    = 0 // a Switchboard user of the partner's user app
	AccountVirtual = 2 // a virtual account the partner created
)

// Lifetimes (notes aqara.md §5).
const (
	AuthCodeTTL            = 10 * time.Minute
	DefaultPartnerTokenTTL = 7 * 24 * time.Hour
	refreshExtra           = 30 * 24 * time.Hour // refresh outlives access by this
	authCodeTries          = 5
	// authCodeEvery spaces new codes for one account: with five tries per
	// code, guessing a 6-digit code then takes months, not minutes.
	authCodeEvery = time.Minute
)

// PartnerTokens is an issued token pair.
type PartnerTokens struct {
	AccessToken, RefreshToken string
	OpenID                    string // the account's uid
	ExpiresIn                 time.Duration
}

// partnerAccount finds the user an account names.
func (n *Domain) partnerAccount(ctx context.Context, p Partner, account string, accountType int) (store.User, error) {
	if p.UserAppID == "" {
		return store.User{}, ErrNoUserApp
	}
	account = strings.TrimSpace(account)
	if account == "" || len(account) > 128 {
		return store.User{}, ErrAccountNotFound
	}
	switch accountType {
	case AccountUser:
		for _, f := range []store.LoginField{store.ByUsername, store.ByEmail, store.ByPhone} {
			u, err := n.store.FindUser(ctx, p.UserAppID, f, account)
			if err == nil {
				return u, nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return store.User{}, err
			}
		}
		return store.User{}, ErrAccountNotFound
	case AccountVirtual:
		v, err := n.store.GetVirtualAccount(ctx, p.AppID, account)
		if errors.Is(err, store.ErrNotFound) {
			return store.User{}, ErrAccountNotFound
		}
		if err != nil {
			return store.User{}, err
		}
		return n.store.GetUser(ctx, v.UID)
	default:
		return store.User{}, ErrAccountType
	}
}

// RequestAuthCode starts config.auth.getAuthCode: it stores a fresh
// 6-digit code for the account, valid AuthCodeTTL, replacing any earlier
// one, and returns it. For a real user the adapter must not hand the code
// to the partner: the user reads it in the console (the stand-in for
// Aqara's SMS) and gives it to the partner, which is the consent.
// validity is the access-token lifetime asked for (0: the default).
func (n *Domain) RequestAuthCode(ctx context.Context, p Partner, account string, accountType int, validity time.Duration) (string, error) {
	u, err := n.partnerAccount(ctx, p, account, accountType)
	if err != nil {
		return "", err
	}
	if validity <= 0 {
		validity = DefaultPartnerTokenTTL
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if prev, err := n.store.GetAuthCode(ctx, p.AppID, u.UID); err == nil && now.Sub(prev.CreatedAt) < authCodeEvery {
		return "", ErrAuthCodeTooOften
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	v, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("%06d", v.Int64())
	err = n.store.PutAuthCode(ctx, AuthCode{AppID: p.AppID, UID: u.UID, Code: code, Validity: validity,
		ExpiresAt: now.Add(AuthCodeTTL), CreatedAt: now})
	return code, err
}

// PendingAuthCodes lists a partner's unexpired auth codes (for the user's
// and the operator's eyes, never the partner's).
func (n *Domain) PendingAuthCodes(ctx context.Context, appID string) ([]AuthCode, error) {
	return n.store.ListAuthCodes(ctx, appID, time.Now().UTC())
}

// ExchangeAuthCode is config.auth.getToken: a right code, used once within
// its lifetime, buys a token pair. Five wrong codes void the code.
func (n *Domain) ExchangeAuthCode(ctx context.Context, p Partner, account string, accountType int, code string) (PartnerTokens, error) {
	u, err := n.partnerAccount(ctx, p, account, accountType)
	if err != nil {
		return PartnerTokens{}, err
	}
	c, err := n.store.GetAuthCode(ctx, p.AppID, u.UID)
	if errors.Is(err, store.ErrNotFound) {
		return PartnerTokens{}, ErrAuthCodeInvalid
	}
	if err != nil {
		return PartnerTokens{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if !now.Before(c.ExpiresAt) || c.Attempts >= authCodeTries {
		return PartnerTokens{}, ErrAuthCodeInvalid
	}
	if subtle.ConstantTimeCompare([]byte(c.Code), []byte(strings.TrimSpace(code))) != 1 {
		if _, err := n.store.AuthCodeFailed(ctx, p.AppID, u.UID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return PartnerTokens{}, err
		}
		return PartnerTokens{}, ErrAuthCodeWrong
	}
	t, pair := newPartnerPair(p.AppID, u.UID, c.Validity, now)
	if err := n.store.ExchangeAuthCode(ctx, t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return PartnerTokens{}, ErrAuthCodeInvalid // used concurrently
		}
		return PartnerTokens{}, err
	}
	return pair, nil
}

// RefreshPartnerToken is config.auth.refreshToken: a live refresh token of
// this partner buys a new pair with the same lifetime; the old pair is
// void (docs: the one-time refresh).
func (n *Domain) RefreshPartnerToken(ctx context.Context, p Partner, refresh string) (PartnerTokens, error) {
	old, err := n.store.GetAqaraTokenByRefresh(ctx, core.TokenHash(refresh))
	if errors.Is(err, store.ErrNotFound) || (err == nil && old.AppID != p.AppID) {
		return PartnerTokens{}, ErrRefreshInvalid
	}
	if err != nil {
		return PartnerTokens{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if !now.Before(old.RefreshExpiresAt) {
		return PartnerTokens{}, ErrRefreshExpired
	}
	t, pair := newPartnerPair(p.AppID, old.UID, old.AccessExpiresAt.Sub(old.CreatedAt), now)
	if _, err := n.store.RefreshAqaraToken(ctx, old.RefreshHash, t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return PartnerTokens{}, ErrRefreshInvalid // refreshed concurrently
		}
		return PartnerTokens{}, err
	}
	return pair, nil
}

// CreateVirtualAccount is config.auth.createAccount: a user with no login
// in the partner's user app, named by the partner's accountId (unique per
// partner). With needToken it also issues a pair of the given lifetime.
func (n *Domain) CreateVirtualAccount(ctx context.Context, p Partner, accountID, remark string, needToken bool, validity time.Duration) (string, *PartnerTokens, error) {
	if p.UserAppID == "" {
		return "", nil, ErrNoUserApp
	}
	accountID = strings.TrimSpace(accountID)
	if accountID == "" || len(accountID) > 128 || len(remark) > 256 {
		return "", nil, &core.InputError{Field: "", Reason: "accountId must be 1 to 128 characters, remark at most 256"}
	}
	if _, err := n.store.GetVirtualAccount(ctx, p.AppID, accountID); err == nil {
		return "", nil, ErrAccountExists
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", nil, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	u := store.User{UID: core.NewKey(), AppID: p.UserAppID, Name: remark, Remark: "aqara virtual account " + accountID,
		CreatedAt: now, UpdatedAt: now}
	if err := n.store.CreateUser(ctx, u); err != nil {
		return "", nil, err
	}
	err := n.store.CreateVirtualAccount(ctx, VirtualAccount{AppID: p.AppID, AccountID: accountID, UID: u.UID, CreatedAt: now})
	if errors.Is(err, store.ErrConflict) {
		return "", nil, ErrAccountExists
	}
	if err != nil || !needToken {
		return u.UID, nil, err
	}
	if validity <= 0 {
		validity = DefaultPartnerTokenTTL
	}
	t, pair := newPartnerPair(p.AppID, u.UID, validity, now)
	if err := n.store.CreateAqaraToken(ctx, t); err != nil {
		return "", nil, err
	}
	return u.UID, &pair, nil
}

// PartnerUser authenticates a partner's access token and returns the
// account's uid: ErrAccessTokenWrong for a token unknown to this partner,
// core.ErrTokenExpired for an expired one.
func (n *Domain) PartnerUser(ctx context.Context, p Partner, access string) (string, error) {
	t, err := n.store.GetAqaraToken(ctx, core.TokenHash(access))
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.AppID != p.AppID) {
		return "", ErrAccessTokenWrong
	}
	if err != nil {
		return "", err
	}
	if !time.Now().Before(t.AccessExpiresAt) {
		return "", core.ErrTokenExpired
	}
	return t.UID, nil
}

// newPartnerPair makes a fresh pair: the token strings for the partner and
// the row (hashes) for the store.
func newPartnerPair(appID, uid string, validity time.Duration, now time.Time) (AqaraToken, PartnerTokens) {
	access, refresh := randomToken(), randomToken()
	t := AqaraToken{
		AccessHash: core.TokenHash(access), RefreshHash: core.TokenHash(refresh), AppID: appID, UID: uid,
		AccessExpiresAt: now.Add(validity), RefreshExpiresAt: now.Add(validity + refreshExtra), CreatedAt: now,
	}
	return t, PartnerTokens{AccessToken: access, RefreshToken: refresh, OpenID: uid, ExpiresIn: validity}
}

func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b[:])
}

// PartnerToken returns the stored pair of a live access token of p.
func (n *Domain) PartnerToken(ctx context.Context, p Partner, access string) (AqaraToken, error) {
	t, err := n.store.GetAqaraToken(ctx, core.TokenHash(access))
	if errors.Is(err, store.ErrNotFound) || (err == nil && t.AppID != p.AppID) {
		return AqaraToken{}, ErrAccessTokenWrong
	}
	return t, err
}

// RevokePartnerToken voids a partner's access token (and its refresh
// token); an unknown token is not an error.
func (n *Domain) RevokePartnerToken(ctx context.Context, p Partner, access string) error {
	err := n.store.DeleteAqaraToken(ctx, p.AppID, core.TokenHash(access))
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}
