package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

const positionCols = `position_id, uid, parent_id, name, description, created_at`

const (
	// lockPositionSQL finds the position (no row: absent) and locks it: a
	// placement referencing it must take a key-share lock on it, which
	// waits, so no device can arrive between the check and the delete and
	// be lost to the ON DELETE CASCADE. (Child positions are not foreign
	// keys; as in SQLite, a child created concurrently by another node
	// would survive its parent.)
	lockPositionSQL = `SELECT 1 FROM aqara_positions WHERE position_id = $1 FOR UPDATE`
	positionBusySQL = `SELECT EXISTS (SELECT 1 FROM aqara_positions WHERE parent_id = $1)
	OR EXISTS (SELECT 1 FROM aqara_device_positions WHERE position_id = $1)`
	deletePositionSQL = `DELETE FROM aqara_positions WHERE position_id = $1`
	unplaceDeviceSQL  = `DELETE FROM aqara_device_positions WHERE uid = $1 AND did = $2`
	bindingExistsSQL  = `SELECT 1 FROM bindings WHERE uid = $1 AND did = $2`
)

const (
	listPositionsSQL = `SELECT ` + positionCols + ` FROM aqara_positions
WHERE uid = $1 AND parent_id = $2 ORDER BY created_at, position_id LIMIT $3 OFFSET $4`
	countPositionsSQL  = `SELECT count(*) FROM aqara_positions WHERE uid = $1 AND parent_id = $2`
	devicePositionsSQL = `SELECT did, position_id FROM aqara_device_positions WHERE uid = $1`
)

// CreatePosition inserts p; store.ErrNotFound when the user does not
// exist, store.ErrConflict when the id is taken.
func (s *Store) CreatePosition(ctx context.Context, p partners.Position) error {
	_, err := s.db.Exec(ctx, `INSERT INTO aqara_positions (`+positionCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.PositionID, p.UID, p.ParentID, p.Name, p.Description, toMS(p.CreatedAt))
	return mapErr(fkNotFound(err, fmt.Sprintf("user %q", p.UID)), fmt.Sprintf("create position %q", p.PositionID))
}

// GetPosition returns one position or store.ErrNotFound.
func (s *Store) GetPosition(ctx context.Context, positionID string) (partners.Position, error) {
	p, err := scanPosition(s.db.QueryRow(ctx,
		`SELECT `+positionCols+` FROM aqara_positions WHERE position_id = $1`, positionID))
	return p, mapErr(err, fmt.Sprintf("get position %q", positionID))
}

// UpdatePosition sets Name and Description; store.ErrNotFound if absent.
func (s *Store) UpdatePosition(ctx context.Context, p partners.Position) error {
	return s.updateOne(ctx, fmt.Sprintf("update position %q", p.PositionID),
		`UPDATE aqara_positions SET name = $1, description = $2 WHERE position_id = $3`,
		p.Name, p.Description, p.PositionID)
}

// DeletePosition deletes an empty position; store.ErrConflict when it has
// children or devices.
func (s *Store) DeletePosition(ctx context.Context, positionID string) error {
	return s.writeTx(ctx, fmt.Sprintf("delete position %q", positionID), func(tx pgx.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, lockPositionSQL, positionID).Scan(&one); err != nil {
			return err
		}
		var busy bool
		if err := tx.QueryRow(ctx, positionBusySQL, positionID).Scan(&busy); err != nil {
			return err
		}
		if busy {
			return fmt.Errorf("has child positions or devices: %w", store.ErrConflict)
		}
		return updateOneTx(ctx, tx, deletePositionSQL, positionID)
	})
}

// ListPositions returns a page of uid's positions under parentID, oldest
// first (ties by id), and how many there are in all. Both reads share one
// REPEATABLE READ transaction, so the total is that of the page's snapshot.
func (s *Store) ListPositions(ctx context.Context, uid, parentID string, limit, offset int) ([]partners.Position, int, error) {
	what := fmt.Sprintf("list positions of user %q under %q", uid, parentID)
	tx, err := s.db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, 0, mapErr(err, what)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only: nothing to commit
	var total int
	if err := tx.QueryRow(ctx, countPositionsSQL, uid, parentID).Scan(&total); err != nil {
		return nil, 0, mapErr(err, what)
	}
	rows, err := tx.Query(ctx, listPositionsSQL, uid, parentID, sqlLimit(limit), max(offset, 0))
	ps, err := collect(rows, err, what, scanPosition)
	if err != nil {
		return nil, 0, err
	}
	return ps, total, nil
}

// SetDevicePosition places uid's bound device did in positionID, which
// must be a position of uid's; positionID "" takes the device out.
func (s *Store) SetDevicePosition(ctx context.Context, uid, did, positionID string) error {
	what := fmt.Sprintf("put device %q of user %q in position %q", did, uid, positionID)
	if positionID == "" {
		return s.writeTx(ctx, what, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, unplaceDeviceSQL, uid, did)
			if err != nil || tag.RowsAffected() > 0 {
				return err
			}
			var one int // nothing to take out: fine if the binding exists
			return tx.QueryRow(ctx, bindingExistsSQL, uid, did).Scan(&one)
		})
	}
	// The foreign key reports a missing binding, the WHERE a position that
	// is not uid's (no row inserted).
	tag, err := s.db.Exec(ctx, `INSERT INTO aqara_device_positions (uid, did, position_id)
SELECT $1::text, $2::text, $3::text WHERE EXISTS (SELECT 1 FROM aqara_positions WHERE position_id = $3::text AND uid = $1::text)
ON CONFLICT (uid, did) DO UPDATE SET position_id = excluded.position_id`, uid, did, positionID)
	if err != nil {
		return mapErr(fkNotFound(err, "binding"), what)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: %s: position of that user: %w", what, store.ErrNotFound)
	}
	return nil
}

// DevicePositions maps each of uid's placed devices to its position.
func (s *Store) DevicePositions(ctx context.Context, uid string) (map[string]string, error) {
	what := fmt.Sprintf("device positions of user %q", uid)
	rows, err := s.db.Query(ctx, devicePositionsSQL, uid)
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

func scanPosition(sc scanner) (partners.Position, error) {
	var p partners.Position
	var created int64
	if err := sc.Scan(&p.PositionID, &p.UID, &p.ParentID, &p.Name, &p.Description, &created); err != nil {
		return partners.Position{}, err
	}
	p.CreatedAt = fromMS(created)
	return p, nil
}
