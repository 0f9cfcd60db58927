package partners

import (
	"context"
	"time"
)

// Partner is an Aqara-style partner: a developer application that calls the
// v3 open API (/v3.0/open/api) and receives HTTP message pushes (research
// notes aqara.md §1.2–1.3 and §4, codec/aqarasign).
//
// AppKey and PushAppSecret are shared secrets, not password hashes: the
// request signature is an MD5 over the headers plus AppKey, and the push
// signature an MD5 over the push headers plus PushAppSecret, so the server
// must hold both in the clear to verify and compute them. Treat the store
// accordingly.
type Partner struct {
	AppID  string // Appid header, 32 lower-case hex characters
	KeyID  string // Keyid header, names AppKey, e.g. "K.<16 hex>"
	AppKey string // request-signing secret, retrievable (see above)
	Name   string

	PushURL       string // where messages are POSTed; "" when push is not set up
	PushSign      bool   // sign pushes (appkey and sign headers); off by default in Aqara
	PushAppKey    string // the public appkey header of a signed push
	PushAppSecret string // push-signing secret, retrievable (see above)

	// UserAppID is the Gizwits application whose users are this partner's
	// accounts (config.auth.*); "" until the operator sets it.
	UserAppID string

	// Suspended is the operator's switch: a suspended partner's calls are
	// refused (403) and its pushes wait until it is re-enabled.
	Suspended       bool
	SuspendedReason string    // "" when not suspended
	SuspendedAt     time.Time // zero when not suspended

	// PushSuspended stops pushes only, as Aqara does when more than 5 % of
	// pushes in 5 minutes fail; pushes keep queueing until an operator
	// re-enables them.
	PushSuspended       bool
	PushSuspendedReason string
	PushSuspendedAt     time.Time
	CreatedAt           time.Time
}

// PartnerStore stores partner applications.
type PartnerStore interface {
	// CreatePartner inserts p; ErrConflict when p.AppID exists.
	CreatePartner(ctx context.Context, p Partner) error
	// GetPartner returns the partner with that appId or ErrNotFound.
	GetPartner(ctx context.Context, appID string) (Partner, error)
	// ListPartners returns every partner, oldest first.
	ListPartners(ctx context.Context) ([]Partner, error)
	// UpdatePartner replaces Name, PushURL, PushSign and UserAppID of the
	// partner with p.AppID, leaving every other field alone; ErrNotFound if
	// absent.
	UpdatePartner(ctx context.Context, p Partner) error
	// SetPartnerSuspended suspends the partner (recording reason and at) or,
	// with suspended false, re-enables it and clears reason and time;
	// ErrNotFound if absent.
	SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string, at time.Time) error
	// SetPartnerPushSuspended does the same for pushes only.
	SetPartnerPushSuspended(ctx context.Context, appID string, suspended bool, reason string, at time.Time) error
}
