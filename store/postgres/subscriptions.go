package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/partners"
)

const subscriptionCols = `app_id, did, resource_id, uid, attach`

const (
	subscribeSQL = `INSERT INTO aqara_subscriptions (` + subscriptionCols + `) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (app_id, did, resource_id) DO UPDATE SET uid = excluded.uid, attach = excluded.attach`
	unsubscribeSQL         = `DELETE FROM aqara_subscriptions WHERE app_id = $1 AND did = $2 AND resource_id = $3`
	deviceSubscriptionsSQL = `SELECT ` + subscriptionCols + ` FROM aqara_subscriptions
WHERE did = $1 ORDER BY app_id, resource_id`
)

// Subscribe upserts subs in one transaction. A missing binding, or
// partner, is store.ErrNotFound and rolls the whole batch back.
func (s *Store) Subscribe(ctx context.Context, subs []partners.Subscription) error {
	return s.eachSubscription(ctx, "subscribe", subscribeSQL, subs, func(sub partners.Subscription) []any {
		return []any{sub.AppID, sub.DID, sub.ResourceID, sub.UID, sub.Attach}
	})
}

// Unsubscribe deletes the named subscriptions in one transaction; absent
// ones are skipped.
func (s *Store) Unsubscribe(ctx context.Context, subs []partners.Subscription) error {
	return s.eachSubscription(ctx, "unsubscribe", unsubscribeSQL, subs, func(sub partners.Subscription) []any {
		return []any{sub.AppID, sub.DID, sub.ResourceID}
	})
}

func (s *Store) eachSubscription(ctx context.Context, what, query string, subs []partners.Subscription, args func(partners.Subscription) []any) error {
	if len(subs) == 0 {
		return nil
	}
	return s.writeTx(ctx, what, func(tx pgx.Tx) error {
		for _, sub := range subs {
			if _, err := tx.Exec(ctx, query, args(sub)...); err != nil {
				return fmt.Errorf("partner %q device %q resource %q: %w", sub.AppID, sub.DID, sub.ResourceID,
					fkNotFound(err, fmt.Sprintf("partner, or binding of user %q", sub.UID)))
			}
		}
		return nil
	})
}

// ListSubscriptions returns every subscription in primary-key order.
func (s *Store) ListSubscriptions(ctx context.Context) ([]partners.Subscription, error) {
	rows, err := s.db.Query(ctx, `SELECT `+subscriptionCols+` FROM aqara_subscriptions ORDER BY app_id, did, resource_id`)
	return collect(rows, err, "list subscriptions", scanSubscription)
}

// DeviceSubscriptions returns the subscriptions on did, by partner then
// resource.
func (s *Store) DeviceSubscriptions(ctx context.Context, did string) ([]partners.Subscription, error) {
	rows, err := s.db.Query(ctx, deviceSubscriptionsSQL, did)
	return collect(rows, err, fmt.Sprintf("subscriptions on device %q", did), scanSubscription)
}

func scanSubscription(sc scanner) (partners.Subscription, error) {
	var sub partners.Subscription
	err := sc.Scan(&sub.AppID, &sub.DID, &sub.ResourceID, &sub.UID, &sub.Attach)
	return sub, err
}
