package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-iot/switchboard/partners"
)

// subscriptionCols is the column list every subscription query returns, in
// scanSubscription's order.
const subscriptionCols = `app_id, did, resource_id, uid, attach`

// The statements Subscribe and Unsubscribe run once per subscription in
// their transactions.
const (
	subscribeSQL = `INSERT INTO aqara_subscriptions (` + subscriptionCols + `) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (app_id, did, resource_id) DO UPDATE SET uid = excluded.uid, attach = excluded.attach`
	unsubscribeSQL = `DELETE FROM aqara_subscriptions WHERE app_id = ? AND did = ? AND resource_id = ?`
)

// deviceSubscriptionsSQL runs on every state change of a device that
// partners may be told about, so it is one index search
// (aqara_subscriptions_by_device), in ListSubscriptions' order.
const deviceSubscriptionsSQL = `SELECT ` + subscriptionCols + ` FROM aqara_subscriptions
WHERE did = ? ORDER BY app_id, resource_id`

// Subscribe upserts subs in one transaction. A subscription lives on its
// binding (UID, DID): a missing binding, or partner, is store.ErrNotFound
// and rolls the whole batch back.
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

// eachSubscription runs query once per subscription, with args' arguments,
// in one write transaction.
func (s *Store) eachSubscription(ctx context.Context, what, query string, subs []partners.Subscription, args func(partners.Subscription) []any) error {
	if len(subs) == 0 {
		return nil
	}
	return s.writeTx(ctx, what, func(tx *sql.Tx) error {
		stmt, err := s.wq.inTx(ctx, tx, query)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, sub := range subs {
			if _, err := stmt.ExecContext(ctx, args(sub)...); err != nil {
				return fmt.Errorf("partner %q device %q resource %q: %w", sub.AppID, sub.DID, sub.ResourceID,
					fkNotFound(err, fmt.Sprintf("partner, or binding of user %q", sub.UID)))
			}
		}
		return nil
	})
}

// ListSubscriptions returns every subscription in primary-key order.
func (s *Store) ListSubscriptions(ctx context.Context) ([]partners.Subscription, error) {
	return s.listSubscriptions(ctx, "list subscriptions",
		`SELECT `+subscriptionCols+` FROM aqara_subscriptions ORDER BY app_id, did, resource_id`)
}

// DeviceSubscriptions returns the subscriptions on did, by partner then
// resource.
func (s *Store) DeviceSubscriptions(ctx context.Context, did string) ([]partners.Subscription, error) {
	return s.listSubscriptions(ctx, fmt.Sprintf("subscriptions on device %q", did), deviceSubscriptionsSQL, did)
}

// listSubscriptions runs a subscription query on the read pool and collects
// the rows.
func (s *Store) listSubscriptions(ctx context.Context, what, query string, args ...any) ([]partners.Subscription, error) {
	rows, err := s.rq.query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var subs []partners.Subscription
	for rows.Next() {
		var sub partners.Subscription
		if err := rows.Scan(&sub.AppID, &sub.DID, &sub.ResourceID, &sub.UID, &sub.Attach); err != nil {
			return nil, mapErr(err, what)
		}
		subs = append(subs, sub)
	}
	return subs, mapErr(rows.Err(), what)
}
