package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/store"
	sqlite3 "modernc.org/sqlite/lib"
)

// deviceCols is the column list every device query returns, in scanDevice's
// order.
const deviceCols = `did, product_key, mac, passcode, disabled, online, last_seen, created_at`

// The two steps of RegisterDevice: re-registration, else a new row.
const (
	registerUpdateSQL = `UPDATE devices SET passcode = ? WHERE product_key = ? AND mac = ? RETURNING ` + deviceCols
	registerInsertSQL = `INSERT INTO devices (` + deviceCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ` + deviceCols
)

// RegisterDevice inserts d or, when (d.ProductKey, d.MAC) is registered
// already, updates that device's passcode and returns it with created=false.
//
// Look-up and insert share one write transaction; because every writer goes
// through the single write connection and BEGIN IMMEDIATE (which also locks
// out other processes), two registrations of the same pair cannot both miss
// the look-up. The UNIQUE (product_key, mac) constraint is the backstop.
func (s *Store) RegisterDevice(ctx context.Context, d store.Device) (store.Device, bool, error) {
	what := fmt.Sprintf("register device %s/%s", d.ProductKey, d.MAC)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Device{}, false, mapErr(err, what)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit

	update, err := s.wq.inTx(ctx, tx, registerUpdateSQL)
	if err != nil {
		return store.Device{}, false, mapErr(err, what)
	}
	got, err := scanDevice(update.QueryRowContext(ctx, d.Passcode, d.ProductKey, d.MAC))
	created := errors.Is(err, sql.ErrNoRows)
	if created {
		got, err = s.insertDevice(ctx, tx, d)
	}
	if err != nil {
		return store.Device{}, false, mapErr(err, what)
	}
	if err := tx.Commit(); err != nil {
		return store.Device{}, false, mapErr(err, what)
	}
	return got, created, nil
}

// insertDevice is RegisterDevice's insert step. A missing product shows up
// as a foreign-key violation and is reported as store.ErrNotFound; a did
// already taken by another product+mac as store.ErrConflict (via mapErr).
func (s *Store) insertDevice(ctx context.Context, tx *sql.Tx, d store.Device) (store.Device, error) {
	insert, err := s.wq.inTx(ctx, tx, registerInsertSQL)
	if err != nil {
		return store.Device{}, err
	}
	got, err := scanDevice(insert.QueryRowContext(ctx,
		d.DID, d.ProductKey, d.MAC, d.Passcode, d.Disabled, d.Online, toNullMS(d.LastSeen), toMS(d.CreatedAt)))
	if isConstraint(err, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY) {
		return store.Device{}, fmt.Errorf("product %q: %w", d.ProductKey, store.ErrNotFound)
	}
	if err != nil {
		return store.Device{}, fmt.Errorf("as did %q: %w", d.DID, err)
	}
	return got, nil
}

// GetDevice returns the device with that did or store.ErrNotFound.
func (s *Store) GetDevice(ctx context.Context, did string) (store.Device, error) {
	d, err := scanDevice(s.rq.queryRow(ctx,
		`SELECT `+deviceCols+` FROM devices WHERE did = ?`, did))
	return d, mapErr(err, fmt.Sprintf("get device %q", did))
}

// ListDevices returns devices ordered by creation time, then did, narrowed by
// f. A non-positive Limit means no limit; a negative Offset counts as 0.
func (s *Store) ListDevices(ctx context.Context, f store.DeviceFilter) ([]store.Device, error) {
	var q strings.Builder
	var args []any
	q.WriteString(`SELECT ` + deviceCols + ` FROM devices`)
	if f.ProductKey != "" {
		q.WriteString(` WHERE product_key = ?`)
		args = append(args, f.ProductKey)
	}
	limit := int64(-1) // SQLite: a negative LIMIT is no limit
	if f.Limit > 0 {
		limit = int64(f.Limit)
	}
	q.WriteString(` ORDER BY created_at, did LIMIT ? OFFSET ?`)
	args = append(args, limit, max(f.Offset, 0))

	rows, err := s.rq.query(ctx, q.String(), args...)
	if err != nil {
		return nil, mapErr(err, "list devices")
	}
	defer rows.Close()
	var ds []store.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, mapErr(err, "list devices")
		}
		ds = append(ds, d)
	}
	return ds, mapErr(rows.Err(), "list devices")
}

// SetDeviceDisabled flags or unflags a device; store.ErrNotFound if absent.
func (s *Store) SetDeviceDisabled(ctx context.Context, did string, disabled bool) error {
	return s.updateOne(ctx, fmt.Sprintf("set device %q disabled", did),
		`UPDATE devices SET disabled = ? WHERE did = ?`, disabled, did)
}

// The writes SetDeviceOnline and DeleteDevice run, in a transaction when
// they carry pushes.
const (
	setDeviceOnlineSQL = `UPDATE devices SET online = ?, last_seen = ? WHERE did = ?`
	deleteDeviceSQL    = `DELETE FROM devices WHERE did = ?`
)

// SetDeviceOnline records a connect or disconnect at the given time and
// enqueues pushes, in one transaction; store.ErrNotFound, with nothing
// enqueued, if absent. A zero at is stored as "never".
func (s *Store) SetDeviceOnline(ctx context.Context, did string, online bool, at time.Time, pushes ...store.Push) error {
	return s.updateOneWithPushes(ctx, fmt.Sprintf("set device %q online", did), pushes,
		setDeviceOnlineSQL, online, toNullMS(at), did)
}

// DeleteDevice removes the device and enqueues pushes, in one transaction;
// its state and bindings (and through those its subscriptions and
// placements) go with it by ON DELETE CASCADE. store.ErrNotFound, with
// nothing enqueued, if absent.
func (s *Store) DeleteDevice(ctx context.Context, did string, pushes ...store.Push) error {
	return s.updateOneWithPushes(ctx, fmt.Sprintf("delete device %q", did), pushes,
		deleteDeviceSQL, did)
}

// updateOne runs a single-statement write (autocommit, so durable on return)
// that must touch a row, mapping "no row" to store.ErrNotFound.
func (s *Store) updateOne(ctx context.Context, what, query string, args ...any) error {
	res, err := s.wq.exec(ctx, query, args...)
	if err != nil {
		return mapErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, what)
	}
	if n == 0 {
		return mapErr(sql.ErrNoRows, what)
	}
	return nil
}

// scanDevice reads deviceCols.
func scanDevice(sc scanner) (store.Device, error) {
	var d store.Device
	var lastSeen sql.NullInt64
	var created int64
	err := sc.Scan(&d.DID, &d.ProductKey, &d.MAC, &d.Passcode, &d.Disabled, &d.Online, &lastSeen, &created)
	if err != nil {
		return store.Device{}, err
	}
	d.LastSeen = fromNullMS(lastSeen)
	d.CreatedAt = fromMS(created)
	return d, nil
}
