package partners

import (
	"context"
	"time"
)

// The Aqara-style open API acts for accounts, which are Switchboard users
// (of the partner's UserAppID app). What it keeps per partner and account
// is here; docs/protocol-aqara.md tells the flows.

// AuthCode is a pending config.auth.getAuthCode: the account's consent,
// exchanged once for a token pair by config.auth.getToken.
type AuthCode struct {
	AppID, UID string
	Code       string
	// Validity is the access-token lifetime asked for (accessTokenValidity).
	Validity  time.Duration
	Attempts  int // wrong codes tried against it
	ExpiresAt time.Time
	CreatedAt time.Time
}

// AqaraToken is an access/refresh token pair a partner holds for an
// account. Only hashes are stored.
type AqaraToken struct {
	AccessHash, RefreshHash string
	AppID, UID              string
	AccessExpiresAt         time.Time
	RefreshExpiresAt        time.Time
	CreatedAt               time.Time
}

// VirtualAccount is an account a partner created for a user of its own
// (config.auth.createAccount): a Switchboard user with no login.
type VirtualAccount struct {
	AppID, AccountID, UID string
	CreatedAt             time.Time
}

// Position is a space (home, room) of a user; ParentID "" is a top level.
type Position struct {
	PositionID, UID, ParentID string
	Name, Description         string
	CreatedAt                 time.Time
}

// Subscription says partner AppID wants pushes of resource ResourceID of
// device DID, an account UID may see. Attach is echoed in each push.
type Subscription struct {
	AppID, DID, ResourceID, UID string
	Attach                      string
}

// AccountStore stores auth codes, token pairs and virtual accounts.
type AccountStore interface {
	// PutAuthCode stores c, replacing the pending code of (AppID, UID).
	// ErrNotFound when the partner or user does not exist.
	PutAuthCode(ctx context.Context, c AuthCode) error
	// GetAuthCode returns the pending code of (appID, uid) or ErrNotFound.
	GetAuthCode(ctx context.Context, appID, uid string) (AuthCode, error)
	// ListAuthCodes returns a partner's pending codes not expired at now,
	// newest first.
	ListAuthCodes(ctx context.Context, appID string, now time.Time) ([]AuthCode, error)
	// AuthCodeFailed counts a wrong code against (appID, uid) and returns
	// the attempts so far; ErrNotFound when there is no pending code.
	AuthCodeFailed(ctx context.Context, appID, uid string) (int, error)
	// ExchangeAuthCode deletes the pending code of t.AppID/t.UID and stores
	// t, in one transaction; ErrNotFound when the code is gone (used twice).
	ExchangeAuthCode(ctx context.Context, t AqaraToken) error
	// CreateAqaraToken stores t; ErrNotFound when partner or user is absent.
	CreateAqaraToken(ctx context.Context, t AqaraToken) error
	// GetAqaraToken returns the pair whose access hash is accessHash, or
	// ErrNotFound.
	GetAqaraToken(ctx context.Context, accessHash string) (AqaraToken, error)
	// GetAqaraTokenByRefresh returns the pair whose refresh hash is
	// refreshHash, or ErrNotFound.
	GetAqaraTokenByRefresh(ctx context.Context, refreshHash string) (AqaraToken, error)
	// RefreshAqaraToken replaces the pair whose refresh hash is
	// refreshHash (and that belongs to t.AppID) by t, in one transaction;
	// ErrNotFound when there is no such pair.
	RefreshAqaraToken(ctx context.Context, refreshHash string, t AqaraToken) (old AqaraToken, err error)
	// DeleteAqaraToken deletes the pair of appID whose access hash is
	// accessHash; ErrNotFound if there is none.
	DeleteAqaraToken(ctx context.Context, appID, accessHash string) error
	// DeleteAqaraTokens deletes a partner's pairs for a user; it returns how
	// many.
	DeleteAqaraTokens(ctx context.Context, appID, uid string) (int, error)
	// PartnersOfUser returns the appIds holding a pair for uid that is not
	// past its refresh expiry at now.
	PartnersOfUser(ctx context.Context, uid string, now time.Time) ([]string, error)
	// CreateVirtualAccount stores v; ErrConflict when (AppID, AccountID)
	// exists.
	CreateVirtualAccount(ctx context.Context, v VirtualAccount) error
	// GetVirtualAccount returns one virtual account or ErrNotFound.
	GetVirtualAccount(ctx context.Context, appID, accountID string) (VirtualAccount, error)
}

// PositionStore stores positions and device placement.
type PositionStore interface {
	// CreatePosition inserts p; ErrNotFound when the user does not exist,
	// ErrConflict when the id is taken.
	CreatePosition(ctx context.Context, p Position) error
	// GetPosition returns one position or ErrNotFound.
	GetPosition(ctx context.Context, positionID string) (Position, error)
	// UpdatePosition sets Name and Description; ErrNotFound if absent.
	UpdatePosition(ctx context.Context, p Position) error
	// DeletePosition deletes a position that has no child positions and no
	// devices; ErrConflict when it has some, ErrNotFound if absent.
	DeletePosition(ctx context.Context, positionID string) error
	// ListPositions returns a user's positions under parentID ("" is the
	// top level), oldest first, and their total count.
	ListPositions(ctx context.Context, uid, parentID string, limit, offset int) ([]Position, int, error)
	// SetDevicePosition puts a bound device in a position (positionID ""
	// takes it out); ErrNotFound when the binding does not exist.
	SetDevicePosition(ctx context.Context, uid, did, positionID string) error
	// DevicePositions returns the position of each of a user's placed
	// devices, by did.
	DevicePositions(ctx context.Context, uid string) (map[string]string, error)
}

// SubscriptionStore stores resource subscriptions.
type SubscriptionStore interface {
	// Subscribe upserts subs in one transaction; ErrNotFound (and nothing
	// stored) when one names a binding (UID, DID) that does not exist.
	Subscribe(ctx context.Context, subs []Subscription) error
	// Unsubscribe deletes the named subscriptions (Attach and UID are
	// ignored); absent ones are skipped.
	Unsubscribe(ctx context.Context, subs []Subscription) error
	// ListSubscriptions returns every subscription, ordered by AppID, DID,
	// ResourceID.
	ListSubscriptions(ctx context.Context) ([]Subscription, error)
	// DeviceSubscriptions returns the subscriptions on one device.
	DeviceSubscriptions(ctx context.Context, did string) ([]Subscription, error)
}
