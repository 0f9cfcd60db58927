package aqara

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the partner API uses of the device model: the devices a
// partner's account has bound, their schemas and latest state, and writes.
// *core.Node satisfies it.
type Core interface {
	Binding(ctx context.Context, uid, did string) (store.Binding, error)
	Bindings(ctx context.Context, uid string, limit, offset int) ([]store.Binding, error)
	Device(ctx context.Context, did string) (store.Device, error)
	Schema(ctx context.Context, productKey string) (*datapoint.Schema, error)
	LatestState(ctx context.Context, did string) (json.RawMessage, time.Time, error)
	WriteAttrs(ctx context.Context, t core.Target, attrs map[string]any) error
}

var _ Core = (*core.Node)(nil)

// Partners is what the partner API uses of the partner domain: the
// calling partner, its accounts and tokens, positions, subscriptions and
// failed pushes. *partners.Domain satisfies it.
type Partners interface {
	Partner(ctx context.Context, appID string) (partners.Partner, error)
	RequestAuthCode(ctx context.Context, p partners.Partner, account string, accountType int, validity time.Duration) (string, error)
	ExchangeAuthCode(ctx context.Context, p partners.Partner, account string, accountType int, code string) (partners.PartnerTokens, error)
	RefreshPartnerToken(ctx context.Context, p partners.Partner, refresh string) (partners.PartnerTokens, error)
	CreateVirtualAccount(ctx context.Context, p partners.Partner, accountID, remark string, needToken bool, validity time.Duration) (string, *partners.PartnerTokens, error)
	PartnerUser(ctx context.Context, p partners.Partner, access string) (string, error)
	PartnerToken(ctx context.Context, p partners.Partner, access string) (partners.AqaraToken, error)
	RevokePartnerToken(ctx context.Context, p partners.Partner, access string) error
	CreatePosition(ctx context.Context, uid, name, description, parentID string) (partners.Position, error)
	Position(ctx context.Context, uid, positionID string) (partners.Position, error)
	UpdatePosition(ctx context.Context, uid, positionID, name, description string) (partners.Position, error)
	DeletePosition(ctx context.Context, uid, positionID string) error
	Positions(ctx context.Context, uid, parentID string, limit, offset int) ([]partners.Position, int, error)
	PlaceDevices(ctx context.Context, uid string, dids []string, positionID string) error
	DevicePositions(ctx context.Context, uid string) (map[string]string, error)
	Subscribe(ctx context.Context, appID, uid string, subs []partners.Subscription) error
	Unsubscribe(ctx context.Context, appID, uid string, subs []partners.Subscription) error
	FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error)
	UseNonce(ctx context.Context, appID, nonce string, now time.Time, ttl time.Duration) (bool, error)
}

var _ Partners = (*partners.Domain)(nil)
