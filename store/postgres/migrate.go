package postgres

import (
	"context"
	"fmt"
	"github.com/switchboard-iot/switchboard/store/migrations"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFS holds the schema history, the PostgreSQL twin of SQLite's
// step for step (store/migrations keeps the two lists equal).
var migrationFS = migrations.Postgres

// migration is one schema step (store/migrations).
type migration = migrations.Step

// Versions lists the embedded migration versions, ascending.
func Versions() ([]int, error) {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	vs := make([]int, len(ms))
	for i, m := range ms {
		vs[i] = m.Version
	}
	return vs, nil
}

// loadMigrations reads the steps of fsys (store/migrations.Load).
func loadMigrations(fsys fs.FS) ([]migration, error) {
	ms, err := migrations.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

// migrate brings the schema up to date in one transaction: a failed
// upgrade leaves the previous schema intact (PostgreSQL's DDL is
// transactional), and the advisory lock makes nodes starting together
// apply each step exactly once. A database carrying a version this binary
// does not know is refused.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(ctx, migrationLockSQL); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if err := migrateLocked(ctx, tx, ms); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: commit: %w", err)
	}
	return nil
}

// migrationLockSQL serialises the migrations of nodes starting at once on
// one schema (the key is the schema's name, so the tests' private schemas
// do not wait for each other).
const migrationLockSQL = `SELECT pg_advisory_xact_lock(hashtext('switchboard migrate ' || current_schema()))`

func migrateLocked(ctx context.Context, tx pgx.Tx, ms []migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`
	if _, err := tx.Exec(ctx, create); err != nil {
		return fmt.Errorf("postgres: migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("postgres: migrate: read version: %w", err)
	}
	if latest := ms[len(ms)-1].Version; current > latest {
		return fmt.Errorf("postgres: database schema version %d is newer than this binary's %d", current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		// Several statements in one Exec without arguments go as one simple
		// query, inside this transaction.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, toMS(time.Now())); err != nil {
			return fmt.Errorf("postgres: migration %s: record: %w", m.Name, err)
		}
	}
	return nil
}
