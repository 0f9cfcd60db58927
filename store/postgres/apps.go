package postgres

import (
	"context"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// CreateApp inserts a; store.ErrConflict when a.ID exists.
func (s *Store) CreateApp(ctx context.Context, a store.App) error {
	_, err := s.db.Exec(ctx,
		`INSERT INTO apps (id, secret, name, created_at) VALUES ($1, $2, $3, $4)`,
		a.ID, a.Secret, a.Name, toMS(a.CreatedAt))
	return mapErr(err, fmt.Sprintf("create app %q", a.ID))
}

// GetApp returns the app with that id or store.ErrNotFound.
func (s *Store) GetApp(ctx context.Context, id string) (store.App, error) {
	a, err := scanApp(s.db.QueryRow(ctx, `SELECT id, secret, name, created_at FROM apps WHERE id = $1`, id))
	return a, mapErr(err, fmt.Sprintf("get app %q", id))
}

// ListApps returns every app, oldest first (ties by id).
func (s *Store) ListApps(ctx context.Context) ([]store.App, error) {
	rows, err := s.db.Query(ctx, `SELECT id, secret, name, created_at FROM apps ORDER BY created_at, id`)
	return collect(rows, err, "list apps", scanApp)
}

func scanApp(sc scanner) (store.App, error) {
	var a store.App
	var created int64
	if err := sc.Scan(&a.ID, &a.Secret, &a.Name, &created); err != nil {
		return store.App{}, err
	}
	a.CreatedAt = fromMS(created)
	return a, nil
}
