package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/switchboard-iot/switchboard/store/migrations"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationFS holds the schema history (store/migrations/sqlite). Files are
// named NNNN_what.sql and are never edited once released: a change is a new
// file with the next number, in every dialect.
var migrationFS = migrations.SQLite

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded files sorted by version and rejects gaps
// in naming discipline (unparsable or duplicate versions) at startup rather
// than half-way through an upgrade.
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
			return nil, fmt.Errorf("sqlite: migration %q: name must be NNNN_description.sql", base)
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
			return nil, fmt.Errorf("sqlite: migrations %q and %q share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
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
		if m.version <= current {
			continue
		}
		if _, err := conn.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
		}
		if _, err := conn.ExecContext(ctx,
			`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, toMS(time.Now())); err != nil {
			return fmt.Errorf("sqlite: migration %s: record: %w", m.name, err)
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
	return ms[len(ms)-1].version
}
