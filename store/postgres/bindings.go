package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/store"
)

const bindingCols = `uid, did, remark, alias, label, role, created_at`

const (
	// lockBindDeviceSQL serialises binds of one device across nodes: the
	// role ("owner" for the first binding) is decided by the insert that
	// follows, and without the lock two first binds at once would both see
	// no binding and both become owner. No row: the device is absent. (A
	// FOR NO KEY UPDATE lock does not block inserts referencing the device.)
	lockBindDeviceSQL = `SELECT 1 FROM devices WHERE did = $1 FOR NO KEY UPDATE`
	bindInsertSQL     = `INSERT INTO bindings (` + bindingCols + `)
SELECT $1::text, $2::text, $3::text, $4::text, $5::text,
	CASE WHEN EXISTS (SELECT 1 FROM bindings WHERE did = $2::text) THEN 'normal' ELSE 'owner' END, $6::bigint
ON CONFLICT (uid, did) DO NOTHING RETURNING ` + bindingCols
	bindSelectSQL = `SELECT ` + bindingCols + ` FROM bindings WHERE uid = $1 AND did = $2`
	unbindSQL     = `DELETE FROM bindings WHERE uid = $1 AND did = $2`
)

// Bind inserts b or, when (b.UID, b.DID) is bound already, returns the
// stored binding unchanged with created=false. store.ErrNotFound when the
// user or the device does not exist. pushes are enqueued only when the
// binding is created.
func (s *Store) Bind(ctx context.Context, b store.Binding, pushes ...store.Push) (store.Binding, bool, error) {
	var got store.Binding
	var created bool
	err := s.writeTx(ctx, fmt.Sprintf("bind user %q to device %q", b.UID, b.DID), func(tx pgx.Tx) error {
		var err error
		if got, created, err = bindTx(ctx, tx, b); err != nil || !created {
			return err
		}
		return enqueueTx(ctx, tx, pushes)
	})
	if err != nil {
		return store.Binding{}, false, err
	}
	return got, created, nil
}

func bindTx(ctx context.Context, tx pgx.Tx, b store.Binding) (store.Binding, bool, error) {
	var one int
	if err := tx.QueryRow(ctx, lockBindDeviceSQL, b.DID).Scan(&one); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return store.Binding{}, false, fmt.Errorf("device %q: %w", b.DID, store.ErrNotFound)
		}
		return store.Binding{}, false, err
	}
	got, err := scanBinding(tx.QueryRow(ctx, bindInsertSQL,
		b.UID, b.DID, b.Remark, b.Alias, b.Label, toMS(b.CreatedAt)))
	created := err == nil
	if errors.Is(err, pgx.ErrNoRows) { // the pair exists
		got, err = scanBinding(tx.QueryRow(ctx, bindSelectSQL, b.UID, b.DID))
	}
	if err != nil {
		return store.Binding{}, false, fkNotFound(err, "user or device")
	}
	return got, created, nil
}

// Unbind removes the binding and enqueues pushes, in one transaction.
// store.ErrNotFound, with nothing enqueued, if absent.
func (s *Store) Unbind(ctx context.Context, uid, did string, pushes ...store.Push) error {
	return s.updateOneWithPushes(ctx, fmt.Sprintf("unbind user %q from device %q", uid, did), pushes,
		unbindSQL, uid, did)
}

// GetBinding returns one binding or store.ErrNotFound.
func (s *Store) GetBinding(ctx context.Context, uid, did string) (store.Binding, error) {
	b, err := scanBinding(s.db.QueryRow(ctx, bindSelectSQL, uid, did))
	return b, mapErr(err, fmt.Sprintf("get binding of user %q to device %q", uid, did))
}

// UpdateBinding sets Remark, Alias and Label; store.ErrNotFound if absent.
func (s *Store) UpdateBinding(ctx context.Context, b store.Binding) error {
	return s.updateOne(ctx, fmt.Sprintf("update binding of user %q to device %q", b.UID, b.DID),
		`UPDATE bindings SET remark = $1, alias = $2, label = $3 WHERE uid = $4 AND did = $5`,
		b.Remark, b.Alias, b.Label, b.UID, b.DID)
}

// ListUserBindings returns a user's bindings ordered by creation time, then
// did. A non-positive limit means no limit; a negative offset counts as 0.
func (s *Store) ListUserBindings(ctx context.Context, uid string, limit, offset int) ([]store.Binding, error) {
	rows, err := s.db.Query(ctx,
		`SELECT `+bindingCols+` FROM bindings WHERE uid = $1 ORDER BY created_at, did LIMIT $2 OFFSET $3`,
		uid, sqlLimit(limit), max(offset, 0))
	return collect(rows, err, fmt.Sprintf("list bindings of user %q", uid), scanBinding)
}

// ListDeviceBindings returns every binding of a device, ordered by creation
// time, then uid.
func (s *Store) ListDeviceBindings(ctx context.Context, did string) ([]store.Binding, error) {
	rows, err := s.db.Query(ctx, `SELECT `+bindingCols+` FROM bindings WHERE did = $1 ORDER BY created_at, uid`, did)
	return collect(rows, err, fmt.Sprintf("list bindings of device %q", did), scanBinding)
}

func scanBinding(sc scanner) (store.Binding, error) {
	var b store.Binding
	var created int64
	if err := sc.Scan(&b.UID, &b.DID, &b.Remark, &b.Alias, &b.Label, &b.Role, &created); err != nil {
		return store.Binding{}, err
	}
	b.CreatedAt = fromMS(created)
	return b, nil
}
