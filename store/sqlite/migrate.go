package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/switchboard-iot/switchboard/store/migrations"
	"io/fs"
	"time"
)

// migrationFS holds the schema history (store/migrations/sqlite). Files are
// named NNNN_what.sql and are never edited once released: a change is a new
// file with the next number, in every dialect.
var migrationFS = migrations.SQLite

// migration is one schema step (store/migrations).
type migration = migrations.Step

// loadMigrations reads the steps of fsys (store/migrations.Load).
func loadMigrations(fsys fs.FS) ([]migration, error) {
	ms, err := migrations.Load(fsys)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// migrate brings the schema up to date in one IMMEDIATE transaction, so a
// failed upgrade leaves the previous schema intact and two processes opening
// the same file at once apply each step exactly once.
//
// It runs on a dedicated connection with foreign_keys off, because SQLite's
// table-rebuild recipe for ALTERs it cannot do in place (create new, copy,
// drop old, rename) would otherwise cascade deletes on the drop; integrity is
// instead verified with foreign_key_check before committing. A database
// carrying a version this binary does not know is refused: it was written by
// a newer Switchboard and downgrading is not supported.
func migrate(ctx context.Context, db *sql.DB, ms []migration) error {
	conn, err := firstConn(ctx, db)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: connect: %w", err)
	}
	defer conn.Close()
	// BEGIN IMMEDIATE by hand: this pool is not the writer pool, whose DSN
	// sets _txlock, and a deferred BEGIN could fail to upgrade to a write.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite: migrate: begin: %w", err)
	}
	if err := migrateLocked(ctx, conn, ms); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

// migrateLocked does migrate's work inside the open transaction.
func migrateLocked(ctx context.Context, conn *sql.Conn, ms []migration) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("sqlite: migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("sqlite: migrate: read version: %w", err)
	}
	if latest := latestVersion(ms); current > latest {
		return fmt.Errorf("sqlite: database schema version %d is newer than this binary's %d", current, latest)
	}
	for _, m := range ms {
		if m.Version <= current {
			continue
		}
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
		}
		if _, err := conn.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, toMS(time.Now())); err != nil {
			return fmt.Errorf("sqlite: migration %s: record: %w", m.Name, err)
		}
	}
	rows, err := conn.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: foreign_key_check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		_ = rows.Scan(&table, &rowid, &parent, &fkid)
		return fmt.Errorf("sqlite: migrate: foreign key violation in %s (rowid %v) -> %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// latestVersion is the highest version among ms, 0 when empty.
func latestVersion(ms []migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}
