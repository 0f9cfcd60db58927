package admin

import (
	"context"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Partners is what the operator API uses of the partner domain: partner
// accounts, their suspension and push health, failed pushes and pending
// auth codes. *core.Node satisfies it today; it is kept apart from Core so
// the partner domain can move out of the core without touching the rest of
// this package.
type Partners interface {
	CreatePartner(ctx context.Context, s core.PartnerSettings) (store.Partner, error)
	Partner(ctx context.Context, appID string) (store.Partner, error)
	Partners(ctx context.Context) ([]store.Partner, error)
	UpdatePartner(ctx context.Context, appID string, s core.PartnerSettings) (store.Partner, error)
	SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string) (store.Partner, error)
	ResumePartnerPushes(ctx context.Context, appID string) error
	PartnerPushHealth(ctx context.Context, appID string) (core.PushHealth, error)
	FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error)
	PendingAuthCodes(ctx context.Context, appID string) ([]store.AuthCode, error)
}

var _ Partners = (*core.Node)(nil)
