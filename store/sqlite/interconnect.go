package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-iot/switchboard/relay"
	"github.com/switchboard-iot/switchboard/store"
	sqlite3 "modernc.org/sqlite/lib"
)

// SaveInterconnectApp inserts a or, when it exists, moves its last_seen.
// One autocommit statement, so durable on return.
func (s *Store) SaveInterconnectApp(ctx context.Context, a relay.App) error {
	what := fmt.Sprintf("save interconnect app %q of user %q", a.Package, a.UID)
	var err error
	if a.DID != "" {
		_, err = s.wq.exec(ctx, `INSERT INTO interconnect_watch_apps (uid, package, fingerprint, did, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (uid, package, did, fingerprint) DO UPDATE SET last_seen = excluded.last_seen`,
			a.UID, a.Package, a.Fingerprint, a.DID, toMS(a.FirstSeen), toMS(a.LastSeen))
	} else {
		_, err = s.wq.exec(ctx, `INSERT INTO interconnect_phone_apps (uid, package, fingerprint, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?) ON CONFLICT (uid, package, fingerprint) DO UPDATE SET last_seen = excluded.last_seen`,
			a.UID, a.Package, a.Fingerprint, toMS(a.FirstSeen), toMS(a.LastSeen))
	}
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return fmt.Errorf("sqlite: %s: user or device: %w", what, store.ErrNotFound)
	}
	return mapErr(err, what)
}

// ListInterconnectWatchApps returns watch apps, filtered by uid and pkg
// when not "".
func (s *Store) ListInterconnectWatchApps(ctx context.Context, uid, pkg string) ([]relay.App, error) {
	return s.listInterconnectApps(ctx, "list interconnect watch apps", `SELECT uid, package, fingerprint, did, first_seen, last_seen
FROM interconnect_watch_apps WHERE (?1 = '' OR uid = ?1) AND (?2 = '' OR package = ?2) ORDER BY uid, package, did, fingerprint`, uid, pkg)
}

// ListInterconnectPhoneApps returns phone apps, filtered by uid and pkg
// when not "".
func (s *Store) ListInterconnectPhoneApps(ctx context.Context, uid, pkg string) ([]relay.App, error) {
	return s.listInterconnectApps(ctx, "list interconnect phone apps", `SELECT uid, package, fingerprint, '', first_seen, last_seen
FROM interconnect_phone_apps WHERE (?1 = '' OR uid = ?1) AND (?2 = '' OR package = ?2) ORDER BY uid, package, fingerprint`, uid, pkg)
}

func (s *Store) listInterconnectApps(ctx context.Context, what, query, uid, pkg string) ([]relay.App, error) {
	rows, err := s.rq.query(ctx, query, uid, pkg)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var out []relay.App
	for rows.Next() {
		var a relay.App
		var first, last int64
		if err := rows.Scan(&a.UID, &a.Package, &a.Fingerprint, &a.DID, &first, &last); err != nil {
			return nil, mapErr(err, what)
		}
		a.FirstSeen, a.LastSeen = fromMS(first), fromMS(last)
		out = append(out, a)
	}
	return out, mapErr(rows.Err(), what)
}

// addCountSQL adds one delta; the SELECT skips pairs whose user or device
// is gone (the contract says so) instead of failing the whole batch.
const addCountSQL = `INSERT INTO interconnect_counts (uid, package, fingerprint, did, watch_to_phone, phone_to_watch, last_message_at)
SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
WHERE EXISTS (SELECT 1 FROM users WHERE uid = ?1) AND EXISTS (SELECT 1 FROM devices WHERE did = ?4)
ON CONFLICT (uid, package, did, fingerprint) DO UPDATE SET
	watch_to_phone = watch_to_phone + excluded.watch_to_phone,
	phone_to_watch = phone_to_watch + excluded.phone_to_watch,
	last_message_at = MAX(COALESCE(last_message_at, 0), COALESCE(excluded.last_message_at, 0))`

// AddInterconnectCounts adds the deltas in one transaction.
func (s *Store) AddInterconnectCounts(ctx context.Context, deltas []relay.Count) error {
	if len(deltas) == 0 {
		return nil
	}
	const what = "add interconnect counts"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, what)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	st, err := s.wq.inTx(ctx, tx, addCountSQL)
	if err != nil {
		return mapErr(err, what)
	}
	for _, d := range deltas {
		if _, err := st.ExecContext(ctx, d.UID, d.Package, d.Fingerprint, d.DID, d.WatchToPhone, d.PhoneToWatch, toNullMS(d.LastMessageAt)); err != nil {
			return mapErr(err, what)
		}
	}
	return mapErr(tx.Commit(), what)
}

// ListInterconnectCounts returns every pair's totals.
func (s *Store) ListInterconnectCounts(ctx context.Context) ([]relay.Count, error) {
	const what = "list interconnect counts"
	rows, err := s.rq.query(ctx, `SELECT uid, package, fingerprint, did, watch_to_phone, phone_to_watch, last_message_at
FROM interconnect_counts ORDER BY uid, package, did, fingerprint`)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var out []relay.Count
	for rows.Next() {
		var c relay.Count
		var last sql.NullInt64
		if err := rows.Scan(&c.UID, &c.Package, &c.Fingerprint, &c.DID, &c.WatchToPhone, &c.PhoneToWatch, &last); err != nil {
			return nil, mapErr(err, what)
		}
		if last.Valid && last.Int64 == 0 {
			last.Valid = false
		}
		c.LastMessageAt = fromNullMS(last)
		out = append(out, c)
	}
	return out, mapErr(rows.Err(), what)
}

// GrantInterconnect records grants in one transaction; a repeated grant
// keeps its first granted_at.
func (s *Store) GrantInterconnect(ctx context.Context, grants []relay.Grant) error {
	if len(grants) == 0 {
		return nil
	}
	const what = "grant interconnect permissions"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, what)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	st, err := s.wq.inTx(ctx, tx, `INSERT INTO interconnect_grants (uid, did, package, fingerprint, permission, granted_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return mapErr(err, what)
	}
	for _, g := range grants {
		_, err := st.ExecContext(ctx, g.UID, g.DID, g.Package, g.Fingerprint, g.Permission, toMS(g.GrantedAt))
		if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
			return fmt.Errorf("sqlite: %s: user or device: %w", what, store.ErrNotFound)
		}
		if err != nil {
			return mapErr(err, what)
		}
	}
	return mapErr(tx.Commit(), what)
}

// ListInterconnectGrants returns one phone app's grants on one watch.
func (s *Store) ListInterconnectGrants(ctx context.Context, uid, did, pkg, fingerprint string) ([]relay.Grant, error) {
	const what = "list interconnect grants"
	rows, err := s.rq.query(ctx, `SELECT permission, granted_at FROM interconnect_grants
WHERE uid = ? AND did = ? AND package = ? AND fingerprint = ? ORDER BY permission`, uid, did, pkg, fingerprint)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var out []relay.Grant
	for rows.Next() {
		g := relay.Grant{UID: uid, DID: did, Package: pkg, Fingerprint: fingerprint}
		var at int64
		if err := rows.Scan(&g.Permission, &at); err != nil {
			return nil, mapErr(err, what)
		}
		g.GrantedAt = fromMS(at)
		out = append(out, g)
	}
	return out, mapErr(rows.Err(), what)
}

// The relay's store lives next to the relay; the SQLite store is one.
var _ relay.Store = (*Store)(nil)
