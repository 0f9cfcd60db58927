package admin

import (
	"context"
	"github.com/switchboard-iot/switchboard/partners"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// Partners is what the operator API uses of the partner domain: partner
// accounts, their suspension and push health, failed pushes and pending
// auth codes. *partners.Domain satisfies it.
type Partners interface {
	CreatePartner(ctx context.Context, s partners.PartnerSettings) (partners.Partner, error)
	Partner(ctx context.Context, appID string) (partners.Partner, error)
	Partners(ctx context.Context) ([]partners.Partner, error)
	UpdatePartner(ctx context.Context, appID string, s partners.PartnerSettings) (partners.Partner, error)
	SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string) (partners.Partner, error)
	ResumePartnerPushes(ctx context.Context, appID string) error
	PartnerPushHealth(ctx context.Context, appID string) (partners.PushHealth, error)
	FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error)
	PendingAuthCodes(ctx context.Context, appID string) ([]partners.AuthCode, error)
}

var _ Partners = (*partners.Domain)(nil)
