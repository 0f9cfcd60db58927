package sqlite

import (
	"context"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// CreateApp inserts a; store.ErrConflict when a.ID exists.
func (s *Store) CreateApp(ctx context.Context, a store.App) error {
	_, err := s.wq.exec(ctx,
		`INSERT INTO apps (id, secret, name, created_at) VALUES (?, ?, ?, ?)`,
		a.ID, a.Secret, a.Name, toMS(a.CreatedAt))
	return mapErr(err, fmt.Sprintf("create app %q", a.ID))
}

// GetApp returns the app with that id or store.ErrNotFound.
func (s *Store) GetApp(ctx context.Context, id string) (store.App, error) {
	row := s.rq.queryRow(ctx,
		`SELECT id, secret, name, created_at FROM apps WHERE id = ?`, id)
	a, err := scanApp(row)
	return a, mapErr(err, fmt.Sprintf("get app %q", id))
}

// ListApps returns every app, oldest first (ties by id, so the order is
// stable).
func (s *Store) ListApps(ctx context.Context) ([]store.App, error) {
	rows, err := s.rq.query(ctx,
		`SELECT id, secret, name, created_at FROM apps ORDER BY created_at, id`)
	if err != nil {
		return nil, mapErr(err, "list apps")
	}
	defer rows.Close()
	var as []store.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, mapErr(err, "list apps")
		}
		as = append(as, a)
	}
	return as, mapErr(rows.Err(), "list apps")
}

// scanApp reads the column list used by every app query.
func scanApp(sc scanner) (store.App, error) {
	var a store.App
	var created int64
	if err := sc.Scan(&a.ID, &a.Secret, &a.Name, &created); err != nil {
		return store.App{}, err
	}
	a.CreatedAt = fromMS(created)
	return a, nil
}
