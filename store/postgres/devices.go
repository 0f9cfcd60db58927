package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/store"
)

// deviceCols is the column list every device query returns, in scanDevice's
// order.
const deviceCols = `did, product_key, mac, passcode, disabled, online, last_seen, created_at, owner_node, owner_epoch, owner_seq`

// registerSQL is RegisterDevice in one statement: several nodes may
// register the same product+mac at once, and ON CONFLICT on that unique
// key makes exactly one of them insert while the others update the
// passcode. xmax = 0 holds for a freshly inserted row only. A did taken by
// another product+mac still fails the primary key (store.ErrConflict).
const registerSQL = `INSERT INTO devices (did, product_key, mac, passcode, disabled, online, last_seen, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (product_key, mac) DO UPDATE SET passcode = excluded.passcode
RETURNING ` + deviceCols + `, (xmax = 0)`

// RegisterDevice inserts d or, when (d.ProductKey, d.MAC) is registered
// already, updates that device's passcode and returns it with created=false.
func (s *Store) RegisterDevice(ctx context.Context, d store.Device) (store.Device, bool, error) {
	what := fmt.Sprintf("register device %s/%s", d.ProductKey, d.MAC)
	var created bool
	got, err := scanDevice(s.db.QueryRow(ctx, registerSQL,
		d.DID, d.ProductKey, d.MAC, d.Passcode, d.Disabled, d.Online, toNullMS(d.LastSeen), toMS(d.CreatedAt)), &created)
	if isCode(err, foreignKeyViolation) {
		return store.Device{}, false, fmt.Errorf("postgres: %s: product %q: %w", what, d.ProductKey, store.ErrNotFound)
	}
	if err != nil {
		return store.Device{}, false, mapErr(fmt.Errorf("as did %q: %w", d.DID, err), what)
	}
	return got, created, nil
}

// GetDevice returns the device with that did or store.ErrNotFound.
func (s *Store) GetDevice(ctx context.Context, did string) (store.Device, error) {
	d, err := scanDevice(s.db.QueryRow(ctx, `SELECT `+deviceCols+` FROM devices WHERE did = $1`, did))
	return d, mapErr(err, fmt.Sprintf("get device %q", did))
}

// ListDevices returns devices ordered by creation time, then did, narrowed by
// f. A non-positive Limit means no limit; a negative Offset counts as 0.
func (s *Store) ListDevices(ctx context.Context, f store.DeviceFilter) ([]store.Device, error) {
	var q strings.Builder
	var args []any
	q.WriteString(`SELECT ` + deviceCols + ` FROM devices`)
	if f.ProductKey != "" {
		q.WriteString(` WHERE product_key = $1`)
		args = append(args, f.ProductKey)
	}
	fmt.Fprintf(&q, ` ORDER BY created_at, did LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2)
	args = append(args, sqlLimit(f.Limit), max(f.Offset, 0))
	rows, err := s.db.Query(ctx, q.String(), args...)
	return collect(rows, err, "list devices", scanDeviceRow)
}

// SetDeviceDisabled flags or unflags a device; store.ErrNotFound if absent.
func (s *Store) SetDeviceDisabled(ctx context.Context, did string, disabled bool) error {
	return s.updateOne(ctx, fmt.Sprintf("set device %q disabled", did),
		`UPDATE devices SET disabled = $1 WHERE did = $2`, disabled, did)
}

// The writes of SetDeviceOnline, EndSessions and DeleteDevice.
const (
	// lockDeviceOnlineSQL reads the flag and locks the row until the
	// transaction ends, so of two nodes setting one device online at once
	// exactly one sees it offline (and enqueues the online pushes).
	lockDeviceOnlineSQL = `SELECT online FROM devices WHERE did = $1 FOR UPDATE`
	setDeviceOnlineSQL  = `UPDATE devices SET online = true, last_seen = $1, owner_node = $2, owner_epoch = $3, owner_seq = $4
WHERE did = $5`
	// endSessionSQL is the compare-and-set: only the owning session's end
	// takes the device offline. PostgreSQL re-checks the WHERE on the
	// newest row version after waiting for a concurrent writer.
	endSessionSQL = `UPDATE devices SET online = false, last_seen = $1
WHERE did = $2 AND online AND owner_node = $3 AND owner_epoch = $4 AND owner_seq = $5`
	deleteDeviceSQL  = `DELETE FROM devices WHERE did = $1`
	staleSessionsSQL = `SELECT ` + deviceCols + ` FROM devices
WHERE online AND (owner_node = $1 AND owner_epoch < $2 OR owner_node = '') ORDER BY did`
)

// SetDeviceOnline makes owner the device's session at at, in one
// transaction with the pushes, which are enqueued only when the device was
// offline. store.ErrNotFound, with nothing written, if absent.
func (s *Store) SetDeviceOnline(ctx context.Context, did string, owner store.SessionOwner, at time.Time, pushes ...store.Push) (bool, error) {
	var was bool
	err := s.writeTx(ctx, fmt.Sprintf("set device %q online", did), func(tx pgx.Tx) error {
		var err error
		was, err = startSessionTx(ctx, tx, store.SessionStart{DID: did, Owner: owner, At: at, Pushes: pushes})
		return err
	})
	return was, err
}

// StartSessions is SetDeviceOnline for each entry, in one transaction.
// The rows are locked in did order, whatever the order of the entries, so
// two nodes' batches over the same devices cannot deadlock; entries of one
// did keep their order.
func (s *Store) StartSessions(ctx context.Context, starts []store.SessionStart) ([]store.SessionStarted, error) {
	out := make([]store.SessionStarted, len(starts))
	if len(starts) == 0 {
		return out, nil
	}
	order := make([]int, len(starts))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return starts[order[a]].DID < starts[order[b]].DID })
	err := s.writeTx(ctx, fmt.Sprintf("start %d sessions", len(starts)), func(tx pgx.Tx) error {
		for _, i := range order {
			e := starts[i]
			was, err := startSessionTx(ctx, tx, e)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // absent: not Found, nothing written
			}
			if err != nil {
				return fmt.Errorf("device %q: %w", e.DID, err)
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

// startSessionTx is one SetDeviceOnline inside tx; pgx.ErrNoRows, with
// nothing written, when the device is absent.
func startSessionTx(ctx context.Context, tx pgx.Tx, e store.SessionStart) (was bool, err error) {
	if err := tx.QueryRow(ctx, lockDeviceOnlineSQL, e.DID).Scan(&was); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, setDeviceOnlineSQL, toNullMS(e.At), e.Owner.NodeID, e.Owner.Epoch, e.Owner.Seq, e.DID); err != nil {
		return false, err
	}
	if was {
		return true, nil
	}
	return false, enqueueTx(ctx, tx, e.Pushes)
}

// EndSessions takes each device offline whose owner is still the entry's,
// with that entry's pushes, all in one transaction.
func (s *Store) EndSessions(ctx context.Context, ends []store.SessionEnd) ([]bool, error) {
	ended := make([]bool, len(ends))
	if len(ends) == 0 {
		return ended, nil
	}
	err := s.writeTx(ctx, fmt.Sprintf("end %d sessions", len(ends)), func(tx pgx.Tx) error {
		for i, e := range ends {
			tag, err := tx.Exec(ctx, endSessionSQL, toNullMS(e.At), e.DID, e.Owner.NodeID, e.Owner.Epoch, e.Owner.Seq)
			if err != nil {
				return fmt.Errorf("device %q: %w", e.DID, err)
			}
			if ended[i] = tag.RowsAffected() == 1; ended[i] {
				if err := enqueueTx(ctx, tx, e.Pushes); err != nil {
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
	rows, err := s.db.Query(ctx, staleSessionsSQL, nodeID, epoch)
	return collect(rows, err, "stale sessions", scanDeviceRow)
}

// DeleteDevice removes the device and enqueues pushes, in one transaction;
// its state, bindings and what hangs on them go by ON DELETE CASCADE.
// store.ErrNotFound, with nothing enqueued, if absent.
func (s *Store) DeleteDevice(ctx context.Context, did string, pushes ...store.Push) error {
	return s.updateOneWithPushes(ctx, fmt.Sprintf("delete device %q", did), pushes, deleteDeviceSQL, did)
}

// scanDevice reads deviceCols, then extra.
func scanDevice(sc scanner, extra ...any) (store.Device, error) {
	var d store.Device
	var lastSeen sql.NullInt64
	var created int64
	dest := append([]any{&d.DID, &d.ProductKey, &d.MAC, &d.Passcode, &d.Disabled, &d.Online, &lastSeen, &created,
		&d.Owner.NodeID, &d.Owner.Epoch, &d.Owner.Seq}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return store.Device{}, err
	}
	d.LastSeen = fromNullMS(lastSeen)
	d.CreatedAt = fromMS(created)
	return d, nil
}

func scanDeviceRow(sc scanner) (store.Device, error) { return scanDevice(sc) }
