package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// ClaimValue stores value under name unless name has one.
func (s *Store) ClaimValue(ctx context.Context, name, value string) (string, bool, error) {
	var got string
	err := s.wq.queryRow(ctx, `INSERT INTO bootstrap (name, value) VALUES (?, ?)
ON CONFLICT (name) DO NOTHING RETURNING value`, name, value).Scan(&got)
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", false, mapErr(err, "claim value")
	}
	err = s.wq.queryRow(ctx, `SELECT value FROM bootstrap WHERE name = ?`, name).Scan(&got)
	return got, false, mapErr(err, "claim value")
}

// ReplaceValue sets name's value to value if it is old.
func (s *Store) ReplaceValue(ctx context.Context, name, old, value string) (bool, error) {
	res, err := s.wq.exec(ctx, `UPDATE bootstrap SET value = ? WHERE name = ? AND value = ?`, value, name, old)
	if err != nil {
		return false, mapErr(err, "replace value")
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err, "replace value")
}
