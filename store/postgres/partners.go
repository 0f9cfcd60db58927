package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
)

const partnerCols = `app_id, key_id, app_key, name, push_url, push_sign, push_app_key, push_app_secret,
	user_app_id, suspended, suspended_reason, suspended_at,
	push_suspended, push_suspended_reason, push_suspended_at, created_at`

// CreatePartner inserts p; store.ErrConflict when p.AppID exists.
func (s *Store) CreatePartner(ctx context.Context, p partners.Partner) error {
	_, err := s.db.Exec(ctx,
		`INSERT INTO partners (`+partnerCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		p.AppID, p.KeyID, p.AppKey, p.Name, p.PushURL, p.PushSign, p.PushAppKey, p.PushAppSecret,
		p.UserAppID, p.Suspended, p.SuspendedReason, toNullMS(p.SuspendedAt),
		p.PushSuspended, p.PushSuspendedReason, toNullMS(p.PushSuspendedAt), toMS(p.CreatedAt))
	return mapErr(err, fmt.Sprintf("create partner %q", p.AppID))
}

// GetPartner returns the partner with that appId or store.ErrNotFound.
func (s *Store) GetPartner(ctx context.Context, appID string) (partners.Partner, error) {
	p, err := scanPartner(s.db.QueryRow(ctx, `SELECT `+partnerCols+` FROM partners WHERE app_id = $1`, appID))
	return p, mapErr(err, fmt.Sprintf("get partner %q", appID))
}

// ListPartners returns every partner, oldest first (ties by appId).
func (s *Store) ListPartners(ctx context.Context) ([]partners.Partner, error) {
	rows, err := s.db.Query(ctx, `SELECT `+partnerCols+` FROM partners ORDER BY created_at, app_id`)
	return collect(rows, err, "list partners", scanPartner)
}

// UpdatePartner replaces Name, PushURL, PushSign and UserAppID;
// store.ErrNotFound if absent.
func (s *Store) UpdatePartner(ctx context.Context, p partners.Partner) error {
	return s.updateOne(ctx, fmt.Sprintf("update partner %q", p.AppID),
		`UPDATE partners SET name = $1, push_url = $2, push_sign = $3, user_app_id = $4 WHERE app_id = $5`,
		p.Name, p.PushURL, p.PushSign, p.UserAppID, p.AppID)
}

// SetPartnerSuspended suspends or re-enables a partner; re-enabling clears
// the reason and time. store.ErrNotFound if absent.
func (s *Store) SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string, at time.Time) error {
	if !suspended {
		reason, at = "", time.Time{}
	}
	return s.updateOne(ctx, fmt.Sprintf("set partner %q suspended", appID),
		`UPDATE partners SET suspended = $1, suspended_reason = $2, suspended_at = $3 WHERE app_id = $4`,
		suspended, reason, toNullMS(at), appID)
}

// SetPartnerPushSuspended stops or resumes a partner's pushes only;
// resuming clears the reason and time. store.ErrNotFound if absent.
func (s *Store) SetPartnerPushSuspended(ctx context.Context, appID string, suspended bool, reason string, at time.Time) error {
	if !suspended {
		reason, at = "", time.Time{}
	}
	return s.updateOne(ctx, fmt.Sprintf("set partner %q push suspended", appID),
		`UPDATE partners SET push_suspended = $1, push_suspended_reason = $2, push_suspended_at = $3 WHERE app_id = $4`,
		suspended, reason, toNullMS(at), appID)
}

func scanPartner(sc scanner) (partners.Partner, error) {
	var p partners.Partner
	var suspendedAt, pushSuspendedAt sql.NullInt64
	var created int64
	err := sc.Scan(&p.AppID, &p.KeyID, &p.AppKey, &p.Name, &p.PushURL, &p.PushSign, &p.PushAppKey, &p.PushAppSecret,
		&p.UserAppID, &p.Suspended, &p.SuspendedReason, &suspendedAt,
		&p.PushSuspended, &p.PushSuspendedReason, &pushSuspendedAt, &created)
	if err != nil {
		return partners.Partner{}, err
	}
	p.SuspendedAt, p.PushSuspendedAt = fromNullMS(suspendedAt), fromNullMS(pushSuspendedAt)
	p.CreatedAt = fromMS(created)
	return p, nil
}
