package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/store"
	sqlite3 "modernc.org/sqlite/lib"
)

// deviceCols is the column list every device query returns, in scanDevice's
// order.
const deviceCols = `did, product_key, mac, passcode, disabled, online, last_seen, created_at, owner_node, owner_epoch, owner_seq`

// deviceInsertCols are the columns a registration sets; a new device has no
// owner.
const deviceInsertCols = `did, product_key, mac, passcode, disabled, online, last_seen, created_at`

// The two steps of RegisterDevice: re-registration, else a new row.
const (
	registerUpdateSQL = `UPDATE devices SET passcode = ? WHERE product_key = ? AND mac = ? RETURNING ` + deviceCols
	registerInsertSQL = `INSERT INTO devices (` + deviceInsertCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ` + deviceCols
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

// The writes of SetDeviceOnline, EndSessions and DeleteDevice.
const (
	// deviceOnlineSQL reads the flag before setDeviceOnlineSQL changes it,
	// in the same transaction.
	deviceOnlineSQL    = `SELECT online FROM devices WHERE did = ?`
	setDeviceOnlineSQL = `UPDATE devices SET online = 1, last_seen = ?1, owner_node = ?2, owner_epoch = ?3, owner_seq = ?4
WHERE did = ?5`
	// endSessionSQL is the compare-and-set: only the owning session's end
	// takes the device offline. The owner stays, so a late duplicate end
	// of the same session finds the device offline and does nothing.
	endSessionSQL = `UPDATE devices SET online = 0, last_seen = ?1
WHERE did = ?2 AND online = 1 AND owner_node = ?3 AND owner_epoch = ?4 AND owner_seq = ?5`
	deleteDeviceSQL  = `DELETE FROM devices WHERE did = ?`
	staleSessionsSQL = `SELECT ` + deviceCols + ` FROM devices
WHERE online = 1 AND (owner_node = ?1 AND owner_epoch < ?2 OR owner_node = '') ORDER BY did`
)

// SetDeviceOnline makes owner the device's session at at, in one
// transaction with the pushes, which are enqueued only when the device was
// offline. store.ErrNotFound, with nothing written, if absent.
func (s *Store) SetDeviceOnline(ctx context.Context, did string, owner store.SessionOwner, at time.Time, pushes ...store.Push) (bool, error) {
	var was bool
	err := s.writeTx(ctx, fmt.Sprintf("set device %q online", did), func(tx *sql.Tx) error {
		var err error
		was, err = s.startSessionTx(ctx, tx, store.SessionStart{DID: did, Owner: owner, At: at, Pushes: pushes})
		return err
	})
	return was, err
}

// StartSessions is SetDeviceOnline for each entry, in one transaction.
func (s *Store) StartSessions(ctx context.Context, starts []store.SessionStart) ([]store.SessionStarted, error) {
	out := make([]store.SessionStarted, len(starts))
	if len(starts) == 0 {
		return out, nil
	}
	err := s.writeTx(ctx, fmt.Sprintf("start %d sessions", len(starts)), func(tx *sql.Tx) error {
		online, err := s.onlineFlagsTx(ctx, tx, starts)
		if err != nil {
			return err
		}
		for i, e := range starts {
			was, found := online[e.DID]
			if !found {
				continue // absent: not Found, nothing written
			}
			if _, err := s.execTx(ctx, tx, setDeviceOnlineSQL, toNullMS(e.At), e.Owner.NodeID, e.Owner.Epoch, e.Owner.Seq, e.DID); err != nil {
				return fmt.Errorf("device %q: %w", e.DID, err)
			}
			online[e.DID] = true // for a later entry of the same did
			if !was {
				if err := s.enqueueTx(ctx, tx, e.Pushes); err != nil {
					return err
				}
			}
			out[i] = store.SessionStarted{Found: true, WasOnline: was}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// onlineFlagsSQL reads the online flag of every did in a JSON array: one
// statement for a whole batch of connects instead of one per device.
const onlineFlagsSQL = `SELECT did, online FROM devices WHERE did IN (SELECT value FROM json_each(?))`

// onlineFlagsTx returns the online flag of each entry's device that exists.
func (s *Store) onlineFlagsTx(ctx context.Context, tx *sql.Tx, starts []store.SessionStart) (map[string]bool, error) {
	dids := make([]string, len(starts))
	for i, e := range starts {
		dids[i] = e.DID
	}
	list, err := json.Marshal(dids)
	if err != nil {
		return nil, err
	}
	st, err := s.wq.inTx(ctx, tx, onlineFlagsSQL)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	online := make(map[string]bool, len(starts))
	for rows.Next() {
		var did string
		var on bool
		if err := rows.Scan(&did, &on); err != nil {
			return nil, err
		}
		online[did] = on
	}
	return online, rows.Err()
}

// startSessionTx is one SetDeviceOnline inside tx; sql.ErrNoRows, with
// nothing written, when the device is absent.
func (s *Store) startSessionTx(ctx context.Context, tx *sql.Tx, e store.SessionStart) (was bool, err error) {
	if err := s.queryRowTx(ctx, tx, deviceOnlineSQL, e.DID).Scan(&was); err != nil {
		return false, err
	}
	if _, err := s.execTx(ctx, tx, setDeviceOnlineSQL, toNullMS(e.At), e.Owner.NodeID, e.Owner.Epoch, e.Owner.Seq, e.DID); err != nil {
		return false, err
	}
	if was {
		return true, nil
	}
	return false, s.enqueueTx(ctx, tx, e.Pushes)
}

// EndSessions takes each device offline whose owner is still the entry's,
// with that entry's pushes, all in one transaction.
func (s *Store) EndSessions(ctx context.Context, ends []store.SessionEnd) ([]bool, error) {
	ended := make([]bool, len(ends))
	if len(ends) == 0 {
		return ended, nil
	}
	err := s.writeTx(ctx, fmt.Sprintf("end %d sessions", len(ends)), func(tx *sql.Tx) error {
		for i, e := range ends {
			res, err := s.execTx(ctx, tx, endSessionSQL, toNullMS(e.At), e.DID, e.Owner.NodeID, e.Owner.Epoch, e.Owner.Seq)
			if err != nil {
				return fmt.Errorf("device %q: %w", e.DID, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if ended[i] = n == 1; ended[i] {
				if err := s.enqueueTx(ctx, tx, e.Pushes); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return make([]bool, len(ends)), err
	}
	return ended, nil
}

// StaleSessions lists the online devices of nodeID's earlier epochs and
// those without an owner.
func (s *Store) StaleSessions(ctx context.Context, nodeID string, epoch int64) ([]store.Device, error) {
	rows, err := s.rq.query(ctx, staleSessionsSQL, nodeID, epoch)
	if err != nil {
		return nil, mapErr(err, "stale sessions")
	}
	defer rows.Close()
	var ds []store.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, mapErr(err, "stale sessions")
		}
		ds = append(ds, d)
	}
	return ds, mapErr(rows.Err(), "stale sessions")
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
	err := sc.Scan(&d.DID, &d.ProductKey, &d.MAC, &d.Passcode, &d.Disabled, &d.Online, &lastSeen, &created,
		&d.Owner.NodeID, &d.Owner.Epoch, &d.Owner.Seq)
	if err != nil {
		return store.Device{}, err
	}
	d.LastSeen = fromNullMS(lastSeen)
	d.CreatedAt = fromMS(created)
	return d, nil
}
