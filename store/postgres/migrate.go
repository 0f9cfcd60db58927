package postgres

import (
	"context"
	"fmt"
	"github.com/switchboard-iot/switchboard/store/migrations"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFS holds the schema history, the PostgreSQL twin of SQLite's
// step for step (store/migrations keeps the two lists equal).
var migrationFS = migrations.Postgres

type migration struct {
	version int
	name    string
	sql     string
}

// Versions lists the embedded migration versions, ascending.
func Versions() ([]int, error) {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	vs := make([]int, len(ms))
	for i, m := range ms {
		vs[i] = m.version
	}
	return vs, nil
}

// loadMigrations reads the embedded files sorted by version, rejecting
// unparsable or duplicate versions.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := path.Base(n)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration %q: name must be NNNN_description.sql", base)
		}
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("postgres: migrations %q and %q share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
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
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("postgres: database schema version %d is newer than this binary's %d", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		// Several statements in one Exec without arguments go as one simple
		// query, inside this transaction.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, toMS(time.Now())); err != nil {
			return fmt.Errorf("postgres: migration %s: record: %w", m.name, err)
		}
	}
	return nil
}
