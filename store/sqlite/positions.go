package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// positionCols is the column list every position query returns, in
// scanPosition's order.
const positionCols = `position_id, uid, parent_id, name, description, created_at`

// The statements DeletePosition and SetDevicePosition run in their
// transactions.
const (
	// positionBusySQL finds the position (no row: absent) and says whether
	// it has children or placed devices, both through an index.
	positionBusySQL = `SELECT EXISTS (SELECT 1 FROM aqara_positions WHERE parent_id = ?1)
	OR EXISTS (SELECT 1 FROM aqara_device_positions WHERE position_id = ?1)
FROM aqara_positions WHERE position_id = ?1`
	deletePositionSQL = `DELETE FROM aqara_positions WHERE position_id = ?`
	unplaceDeviceSQL  = `DELETE FROM aqara_device_positions WHERE uid = ? AND did = ?`
	bindingExistsSQL  = `SELECT 1 FROM bindings WHERE uid = ? AND did = ?`
)

// ListPositions' two reads, run in one read transaction.
const (
	listPositionsSQL = `SELECT ` + positionCols + ` FROM aqara_positions
WHERE uid = ? AND parent_id = ? ORDER BY created_at, position_id LIMIT ? OFFSET ?`
	countPositionsSQL = `SELECT count(*) FROM aqara_positions WHERE uid = ? AND parent_id = ?`
)

// devicePositionsSQL reads a user's placements (a primary-key prefix).
const devicePositionsSQL = `SELECT did, position_id FROM aqara_device_positions WHERE uid = ?`

// CreatePosition inserts p; store.ErrNotFound when the user does not
// exist, store.ErrConflict when the id is taken. The parent is the caller's
// to check: a top level has none to point at.
func (s *Store) CreatePosition(ctx context.Context, p partners.Position) error {
	_, err := s.wq.exec(ctx, `INSERT INTO aqara_positions (`+positionCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		p.PositionID, p.UID, p.ParentID, p.Name, p.Description, toMS(p.CreatedAt))
	return mapErr(fkNotFound(err, fmt.Sprintf("user %q", p.UID)), fmt.Sprintf("create position %q", p.PositionID))
}

// GetPosition returns one position or store.ErrNotFound.
func (s *Store) GetPosition(ctx context.Context, positionID string) (partners.Position, error) {
	p, err := scanPosition(s.rq.queryRow(ctx,
		`SELECT `+positionCols+` FROM aqara_positions WHERE position_id = ?`, positionID))
	return p, mapErr(err, fmt.Sprintf("get position %q", positionID))
}

// UpdatePosition sets Name and Description; store.ErrNotFound if absent.
func (s *Store) UpdatePosition(ctx context.Context, p partners.Position) error {
	return s.updateOne(ctx, fmt.Sprintf("update position %q", p.PositionID),
		`UPDATE aqara_positions SET name = ?, description = ? WHERE position_id = ?`,
		p.Name, p.Description, p.PositionID)
}

// DeletePosition deletes an empty position. The check and the delete share
// the write transaction, so a child or a device cannot arrive in between
// and be lost to the ON DELETE CASCADE of aqara_device_positions.
func (s *Store) DeletePosition(ctx context.Context, positionID string) error {
	return s.writeTx(ctx, fmt.Sprintf("delete position %q", positionID), func(tx *sql.Tx) error {
		var busy bool
		if err := s.queryRowTx(ctx, tx, positionBusySQL, positionID).Scan(&busy); err != nil {
			return err
		}
		if busy {
			return fmt.Errorf("has child positions or devices: %w", store.ErrConflict)
		}
		return s.updateOneTx(ctx, tx, deletePositionSQL, positionID)
	})
}

// ListPositions returns a page of uid's positions under parentID, oldest
// first (ties by id), and how many there are in all. A non-positive limit
// means no limit; a negative offset counts as 0. Both reads share one read
// transaction, so the total is that of the page's snapshot.
func (s *Store) ListPositions(ctx context.Context, uid, parentID string, limit, offset int) ([]partners.Position, int, error) {
	what := fmt.Sprintf("list positions of user %q under %q", uid, parentID)
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, mapErr(err, what)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to commit

	count, err := s.rq.inTx(ctx, tx, countPositionsSQL)
	if err != nil {
		return nil, 0, mapErr(err, what)
	}
	var total int
	if err := count.QueryRowContext(ctx, uid, parentID).Scan(&total); err != nil {
		return nil, 0, mapErr(err, what)
	}
	list, err := s.rq.inTx(ctx, tx, listPositionsSQL)
	if err != nil {
		return nil, 0, mapErr(err, what)
	}
	rows, err := list.QueryContext(ctx, uid, parentID, sqlLimit(limit), max(offset, 0))
	if err != nil {
		return nil, 0, mapErr(err, what)
	}
	defer rows.Close()
	var ps []partners.Position
	for rows.Next() {
		p, err := scanPosition(rows)
		if err != nil {
			return nil, 0, mapErr(err, what)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, mapErr(err, what)
	}
	return ps, total, nil
}

// SetDevicePosition places uid's bound device did in positionID, which
// must be a position of uid's: another user's position is store.ErrNotFound
// like a missing one. positionID "" takes the device out (a no-op for a
// bound device that is not placed).
func (s *Store) SetDevicePosition(ctx context.Context, uid, did, positionID string) error {
	what := fmt.Sprintf("put device %q of user %q in position %q", did, uid, positionID)
	if positionID == "" {
		return s.writeTx(ctx, what, func(tx *sql.Tx) error {
			res, err := s.execTx(ctx, tx, unplaceDeviceSQL, uid, did)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil || n > 0 {
				return err // taken out (or the count failed)
			}
			var one int // nothing to take out: fine if the binding exists
			return s.queryRowTx(ctx, tx, bindingExistsSQL, uid, did).Scan(&one)
		})
	}
	// The foreign key reports a missing binding, the WHERE a position that
	// is not uid's (no row inserted).
	res, err := s.wq.exec(ctx, `INSERT INTO aqara_device_positions (uid, did, position_id)
SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM aqara_positions WHERE position_id = ?3 AND uid = ?1)
ON CONFLICT (uid, did) DO UPDATE SET position_id = excluded.position_id`, uid, did, positionID)
	if err != nil {
		return mapErr(fkNotFound(err, "binding"), what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return mapErr(err, what)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: position of that user: %w", what, store.ErrNotFound)
	}
	return nil
}

// DevicePositions maps each of uid's placed devices to its position.
func (s *Store) DevicePositions(ctx context.Context, uid string) (map[string]string, error) {
	what := fmt.Sprintf("device positions of user %q", uid)
	rows, err := s.rq.query(ctx, devicePositionsSQL, uid)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	m := make(map[string]string)
	for rows.Next() {
		var did, pos string
		if err := rows.Scan(&did, &pos); err != nil {
			return nil, mapErr(err, what)
		}
		m[did] = pos
	}
	return m, mapErr(rows.Err(), what)
}

// scanPosition reads positionCols.
func scanPosition(sc scanner) (partners.Position, error) {
	var p partners.Position
	var created int64
	if err := sc.Scan(&p.PositionID, &p.UID, &p.ParentID, &p.Name, &p.Description, &created); err != nil {
		return partners.Position{}, err
	}
	p.CreatedAt = fromMS(created)
	return p, nil
}
