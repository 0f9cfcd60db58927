package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// ClaimValue stores value under name unless name has one. A claim racing
// another waits for the other's insert to commit and then reads its value
// (ON CONFLICT DO NOTHING, then a fresh snapshot for the SELECT).
func (s *Store) ClaimValue(ctx context.Context, name, value string) (string, bool, error) {
	var got string
	err := s.db.QueryRow(ctx, `INSERT INTO bootstrap (name, value) VALUES ($1, $2)
ON CONFLICT (name) DO NOTHING RETURNING value`, name, value).Scan(&got)
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", false, mapErr(err, "claim value")
	}
	err = s.db.QueryRow(ctx, `SELECT value FROM bootstrap WHERE name = $1`, name).Scan(&got)
	return got, false, mapErr(err, "claim value")
}

// ReplaceValue sets name's value to value if it is old.
func (s *Store) ReplaceValue(ctx context.Context, name, old, value string) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE bootstrap SET value = $1 WHERE name = $2 AND value = $3`, value, name, old)
	if err != nil {
		return false, mapErr(err, "replace value")
	}
	return tag.RowsAffected() == 1, nil
}
