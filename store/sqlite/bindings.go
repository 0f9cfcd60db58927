package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// bindingCols is the column list every binding query returns, in
// scanBinding's order.
const bindingCols = `uid, did, remark, alias, label, role, created_at`

// The two steps of Bind: insert unless the pair exists, else read it back.
// DO NOTHING covers only the primary key: a missing user or device still
// fails the foreign keys.
const (
	// The role is decided inside the insert, so two users binding a new
	// device at once cannot both become its owner. ("WHERE true" lets
	// SQLite parse ON CONFLICT after a SELECT.)
	bindInsertSQL = `INSERT INTO bindings (` + bindingCols + `)
SELECT ?, ?, ?, ?, ?, CASE WHEN EXISTS (SELECT 1 FROM bindings WHERE did = ?) THEN 'normal' ELSE 'owner' END, ?
WHERE true ON CONFLICT (uid, did) DO NOTHING RETURNING ` + bindingCols
	bindSelectSQL = `SELECT ` + bindingCols + ` FROM bindings WHERE uid = ? AND did = ?`
)

// unbindSQL is Unbind's write, in a transaction when it carries pushes.
const unbindSQL = `DELETE FROM bindings WHERE uid = ? AND did = ?`

// Bind inserts b or, when (b.UID, b.DID) is bound already, returns the
// stored binding unchanged with created=false. store.ErrNotFound when the
// user or the device does not exist. pushes are enqueued only when the
// binding is created: a repeated bind is not an event.
//
// All steps share one write transaction, so an Unbind cannot slip between
// "exists" and reading it back.
func (s *Store) Bind(ctx context.Context, b store.Binding, pushes ...store.Push) (store.Binding, bool, error) {
	var got store.Binding
	var created bool
	err := s.writeTx(ctx, fmt.Sprintf("bind user %q to device %q", b.UID, b.DID), func(tx *sql.Tx) error {
		var err error
		if got, created, err = s.bindTx(ctx, tx, b); err != nil || !created {
			return err
		}
		return s.enqueueTx(ctx, tx, pushes)
	})
	if err != nil {
		return store.Binding{}, false, err
	}
	return got, created, nil
}

// bindTx is Bind's insert-or-read inside tx.
func (s *Store) bindTx(ctx context.Context, tx *sql.Tx, b store.Binding) (store.Binding, bool, error) {
	got, err := scanBinding(s.queryRowTx(ctx, tx, bindInsertSQL,
		b.UID, b.DID, b.Remark, b.Alias, b.Label, b.DID, toMS(b.CreatedAt)))
	created := err == nil
	if errors.Is(err, sql.ErrNoRows) { // the pair exists
		got, err = scanBinding(s.queryRowTx(ctx, tx, bindSelectSQL, b.UID, b.DID))
	}
	if err != nil {
		return store.Binding{}, false, fkNotFound(err, "user or device")
	}
	return got, created, nil
}

// Unbind removes the binding and enqueues pushes, in one transaction; the
// subscriptions and placement made through the binding go with it by
// ON DELETE CASCADE. store.ErrNotFound, with nothing enqueued, if absent.
func (s *Store) Unbind(ctx context.Context, uid, did string, pushes ...store.Push) error {
	return s.updateOneWithPushes(ctx, fmt.Sprintf("unbind user %q from device %q", uid, did), pushes,
		unbindSQL, uid, did)
}

// GetBinding returns one binding or store.ErrNotFound.
func (s *Store) GetBinding(ctx context.Context, uid, did string) (store.Binding, error) {
	b, err := scanBinding(s.rq.queryRow(ctx, bindSelectSQL, uid, did))
	return b, mapErr(err, fmt.Sprintf("get binding of user %q to device %q", uid, did))
}

// UpdateBinding sets Remark, Alias and Label; store.ErrNotFound if absent.
func (s *Store) UpdateBinding(ctx context.Context, b store.Binding) error {
	return s.updateOne(ctx, fmt.Sprintf("update binding of user %q to device %q", b.UID, b.DID),
		`UPDATE bindings SET remark = ?, alias = ?, label = ? WHERE uid = ? AND did = ?`,
		b.Remark, b.Alias, b.Label, b.UID, b.DID)
}

// ListUserBindings returns a user's bindings ordered by creation time, then
// did. A non-positive limit means no limit; a negative offset counts as 0.
// (A user has few bindings: they are sorted per call rather than indexed.)
func (s *Store) ListUserBindings(ctx context.Context, uid string, limit, offset int) ([]store.Binding, error) {
	lim := int64(-1) // SQLite: a negative LIMIT is no limit
	if limit > 0 {
		lim = int64(limit)
	}
	return s.listBindings(ctx, fmt.Sprintf("list bindings of user %q", uid),
		`SELECT `+bindingCols+` FROM bindings WHERE uid = ? ORDER BY created_at, did LIMIT ? OFFSET ?`,
		uid, lim, max(offset, 0))
}

// ListDeviceBindings returns every binding of a device, ordered by creation
// time, then uid (the order of bindings_by_device).
func (s *Store) ListDeviceBindings(ctx context.Context, did string) ([]store.Binding, error) {
	return s.listBindings(ctx, fmt.Sprintf("list bindings of device %q", did),
		`SELECT `+bindingCols+` FROM bindings WHERE did = ? ORDER BY created_at, uid`, did)
}

// listBindings runs a binding query on the read pool and collects the rows.
func (s *Store) listBindings(ctx context.Context, what, query string, args ...any) ([]store.Binding, error) {
	rows, err := s.rq.query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var bs []store.Binding
	for rows.Next() {
		b, err := scanBinding(rows)
		if err != nil {
			return nil, mapErr(err, what)
		}
		bs = append(bs, b)
	}
	return bs, mapErr(rows.Err(), what)
}

// scanBinding reads bindingCols.
func scanBinding(sc scanner) (store.Binding, error) {
	var b store.Binding
	var created int64
	if err := sc.Scan(&b.UID, &b.DID, &b.Remark, &b.Alias, &b.Label, &b.Role, &created); err != nil {
		return store.Binding{}, err
	}
	b.CreatedAt = fromMS(created)
	return b, nil
}
