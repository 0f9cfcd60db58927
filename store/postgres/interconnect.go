package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/relay"
	"github.com/switchboard-iot/switchboard/store"
)

// SaveInterconnectApp inserts a or, when it exists, moves its last_seen.
func (s *Store) SaveInterconnectApp(ctx context.Context, a relay.App) error {
	what := fmt.Sprintf("save interconnect app %q of user %q", a.Package, a.UID)
	var err error
	if a.DID != "" {
		_, err = s.db.Exec(ctx, `INSERT INTO interconnect_watch_apps (uid, package, fingerprint, did, first_seen, last_seen)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (uid, package, did, fingerprint) DO UPDATE SET last_seen = excluded.last_seen`,
			a.UID, a.Package, a.Fingerprint, a.DID, toMS(a.FirstSeen), toMS(a.LastSeen))
	} else {
		_, err = s.db.Exec(ctx, `INSERT INTO interconnect_phone_apps (uid, package, fingerprint, first_seen, last_seen)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (uid, package, fingerprint) DO UPDATE SET last_seen = excluded.last_seen`,
			a.UID, a.Package, a.Fingerprint, toMS(a.FirstSeen), toMS(a.LastSeen))
	}
	if isCode(err, foreignKeyViolation) {
		return fmt.Errorf("postgres: %s: user or device: %w", what, store.ErrNotFound)
	}
	return mapErr(err, what)
}

// ListInterconnectWatchApps returns watch apps, filtered by uid and pkg
// when not "".
func (s *Store) ListInterconnectWatchApps(ctx context.Context, uid, pkg string) ([]relay.App, error) {
	rows, err := s.db.Query(ctx, `SELECT uid, package, fingerprint, did, first_seen, last_seen
FROM interconnect_watch_apps WHERE ($1 = '' OR uid = $1) AND ($2 = '' OR package = $2) ORDER BY uid, package, did, fingerprint`, uid, pkg)
	return collect(rows, err, "list interconnect watch apps", scanInterconnectApp)
}

// ListInterconnectPhoneApps returns phone apps, filtered by uid and pkg
// when not "".
func (s *Store) ListInterconnectPhoneApps(ctx context.Context, uid, pkg string) ([]relay.App, error) {
	rows, err := s.db.Query(ctx, `SELECT uid, package, fingerprint, '', first_seen, last_seen
FROM interconnect_phone_apps WHERE ($1 = '' OR uid = $1) AND ($2 = '' OR package = $2) ORDER BY uid, package, fingerprint`, uid, pkg)
	return collect(rows, err, "list interconnect phone apps", scanInterconnectApp)
}

func scanInterconnectApp(sc scanner) (relay.App, error) {
	var a relay.App
	var first, last int64
	if err := sc.Scan(&a.UID, &a.Package, &a.Fingerprint, &a.DID, &first, &last); err != nil {
		return relay.App{}, err
	}
	a.FirstSeen, a.LastSeen = fromMS(first), fromMS(last)
	return a, nil
}

// addCountSQL adds one delta; the WHERE skips pairs whose user or device
// is gone (the contract says so). The additions are done by the UPDATE, so
// nodes flushing counts of one pair at once all add up.
const addCountSQL = `INSERT INTO interconnect_counts (uid, package, fingerprint, did, watch_to_phone, phone_to_watch, last_message_at)
SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::bigint
WHERE EXISTS (SELECT 1 FROM users WHERE uid = $1::text) AND EXISTS (SELECT 1 FROM devices WHERE did = $4::text)
ON CONFLICT (uid, package, did, fingerprint) DO UPDATE SET
	watch_to_phone = interconnect_counts.watch_to_phone + excluded.watch_to_phone,
	phone_to_watch = interconnect_counts.phone_to_watch + excluded.phone_to_watch,
	last_message_at = GREATEST(COALESCE(interconnect_counts.last_message_at, 0), COALESCE(excluded.last_message_at, 0))`

// AddInterconnectCounts adds the deltas in one transaction.
func (s *Store) AddInterconnectCounts(ctx context.Context, deltas []relay.Count) error {
	if len(deltas) == 0 {
		return nil
	}
	return s.writeTx(ctx, "add interconnect counts", func(tx pgx.Tx) error {
		for _, d := range deltas {
			if _, err := tx.Exec(ctx, addCountSQL, d.UID, d.Package, d.Fingerprint, d.DID,
				d.WatchToPhone, d.PhoneToWatch, toNullMS(d.LastMessageAt)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListInterconnectCounts returns every pair's totals.
func (s *Store) ListInterconnectCounts(ctx context.Context) ([]relay.Count, error) {
	rows, err := s.db.Query(ctx, `SELECT uid, package, fingerprint, did, watch_to_phone, phone_to_watch, last_message_at
FROM interconnect_counts ORDER BY uid, package, did, fingerprint`)
	return collect(rows, err, "list interconnect counts", func(sc scanner) (relay.Count, error) {
		var c relay.Count
		var last sql.NullInt64
		if err := sc.Scan(&c.UID, &c.Package, &c.Fingerprint, &c.DID, &c.WatchToPhone, &c.PhoneToWatch, &last); err != nil {
			return relay.Count{}, err
		}
		if last.Valid && last.Int64 == 0 {
			last.Valid = false
		}
		c.LastMessageAt = fromNullMS(last)
		return c, nil
	})
}

// GrantInterconnect records grants in one transaction; a repeated grant
// keeps its first granted_at.
func (s *Store) GrantInterconnect(ctx context.Context, grants []relay.Grant) error {
	if len(grants) == 0 {
		return nil
	}
	const what = "grant interconnect permissions"
	err := s.writeTx(ctx, what, func(tx pgx.Tx) error {
		for _, g := range grants {
			if _, err := tx.Exec(ctx, `INSERT INTO interconnect_grants (uid, did, package, fingerprint, permission, granted_at)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
				g.UID, g.DID, g.Package, g.Fingerprint, g.Permission, toMS(g.GrantedAt)); err != nil {
				return fkNotFound(err, "user or device")
			}
		}
		return nil
	})
	return err
}

// ListInterconnectGrants returns one phone app's grants on one watch.
func (s *Store) ListInterconnectGrants(ctx context.Context, uid, did, pkg, fingerprint string) ([]relay.Grant, error) {
	rows, err := s.db.Query(ctx, `SELECT permission, granted_at FROM interconnect_grants
WHERE uid = $1 AND did = $2 AND package = $3 AND fingerprint = $4 ORDER BY permission`, uid, did, pkg, fingerprint)
	return collect(rows, err, "list interconnect grants", func(sc scanner) (relay.Grant, error) {
		g := relay.Grant{UID: uid, DID: did, Package: pkg, Fingerprint: fingerprint}
		var at int64
		if err := sc.Scan(&g.Permission, &at); err != nil {
			return relay.Grant{}, err
		}
		g.GrantedAt = fromMS(at)
		return g, nil
	})
}
