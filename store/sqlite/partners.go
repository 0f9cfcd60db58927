package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
)

// partnerCols is the column list scanPartner reads.
const partnerCols = `app_id, key_id, app_key, name, push_url, push_sign, push_app_key, push_app_secret,
	user_app_id, suspended, suspended_reason, suspended_at,
	push_suspended, push_suspended_reason, push_suspended_at, created_at`

// CreatePartner inserts p; store.ErrConflict when p.AppID exists.
func (s *Store) CreatePartner(ctx context.Context, p partners.Partner) error {
	_, err := s.wq.exec(ctx,
		`INSERT INTO partners (`+partnerCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.AppID, p.KeyID, p.AppKey, p.Name, p.PushURL, p.PushSign, p.PushAppKey, p.PushAppSecret,
		p.UserAppID, p.Suspended, p.SuspendedReason, toNullMS(p.SuspendedAt),
		p.PushSuspended, p.PushSuspendedReason, toNullMS(p.PushSuspendedAt), toMS(p.CreatedAt))
	return mapErr(err, fmt.Sprintf("create partner %q", p.AppID))
}

// GetPartner returns the partner with that appId or store.ErrNotFound.
func (s *Store) GetPartner(ctx context.Context, appID string) (partners.Partner, error) {
	row := s.rq.queryRow(ctx, `SELECT `+partnerCols+` FROM partners WHERE app_id = ?`, appID)
	p, err := scanPartner(row)
	return p, mapErr(err, fmt.Sprintf("get partner %q", appID))
}

// ListPartners returns every partner, oldest first (ties by appId, so the
// order is stable).
func (s *Store) ListPartners(ctx context.Context) ([]partners.Partner, error) {
	rows, err := s.rq.query(ctx, `SELECT `+partnerCols+` FROM partners ORDER BY created_at, app_id`)
	if err != nil {
		return nil, mapErr(err, "list partners")
	}
	defer rows.Close()
	var ps []partners.Partner
	for rows.Next() {
		p, err := scanPartner(rows)
		if err != nil {
			return nil, mapErr(err, "list partners")
		}
		ps = append(ps, p)
	}
	return ps, mapErr(rows.Err(), "list partners")
}

// UpdatePartner replaces Name, PushURL, PushSign and UserAppID;
// store.ErrNotFound if absent.
func (s *Store) UpdatePartner(ctx context.Context, p partners.Partner) error {
	return s.updateOne(ctx, fmt.Sprintf("update partner %q", p.AppID),
		`UPDATE partners SET name = ?, push_url = ?, push_sign = ?, user_app_id = ? WHERE app_id = ?`,
		p.Name, p.PushURL, p.PushSign, p.UserAppID, p.AppID)
}

// SetPartnerSuspended suspends or re-enables a partner; re-enabling clears
// the reason and time. store.ErrNotFound if absent.
func (s *Store) SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string, at time.Time) error {
	if !suspended {
		reason, at = "", time.Time{}
	}
	return s.updateOne(ctx, fmt.Sprintf("set partner %q suspended", appID),
		`UPDATE partners SET suspended = ?, suspended_reason = ?, suspended_at = ? WHERE app_id = ?`,
		suspended, reason, toNullMS(at), appID)
}

// SetPartnerPushSuspended stops or resumes a partner's pushes only;
// resuming clears the reason and time. store.ErrNotFound if absent.
func (s *Store) SetPartnerPushSuspended(ctx context.Context, appID string, suspended bool, reason string, at time.Time) error {
	if !suspended {
		reason, at = "", time.Time{}
	}
	return s.updateOne(ctx, fmt.Sprintf("set partner %q push suspended", appID),
		`UPDATE partners SET push_suspended = ?, push_suspended_reason = ?, push_suspended_at = ? WHERE app_id = ?`,
		suspended, reason, toNullMS(at), appID)
}

// scanPartner reads partnerCols.
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

// The partner domain's tables live here too, beside the device model's.
var _ partners.Store = (*Store)(nil)
