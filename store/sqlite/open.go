package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/switchboard-iot/switchboard/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Store is the SQLite implementation of store.Store. It is safe for
// concurrent use.
type Store struct {
	w  *sql.DB // exactly one connection: serialises writers inside the process
	r  *sql.DB // read-only pool; WAL lets it read while the writer commits
	wq *stmtCache
	rq *stmtCache

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path, brings its schema up
// to date and returns a ready Store. The caller must Close it.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if err := createFile(path); err != nil {
		return nil, err
	}
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	// Migrate first, on its own connection: it is also the first connection to
	// a new file, so it is the one that switches the file to WAL.
	mdb, err := openPool(path, roleMigrate, 1)
	if err != nil {
		return nil, err
	}
	err = migrate(ctx, mdb, ms)
	if cerr := mdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}

	s := &Store{}
	if s.w, err = openPool(path, roleWrite, 1); err != nil {
		return nil, err
	}
	if s.r, err = openPool(path, roleRead, max(4, runtime.GOMAXPROCS(0))); err != nil {
		_ = s.w.Close()
		return nil, err
	}
	s.wq, s.rq = newStmtCache(s.w), newStmtCache(s.r)
	if err := s.checkJournalMode(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.wq.warm(ctx, txStatements...); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.rq.warm(ctx, readTxStatements...); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// txStatements are the statements write transactions run; see stmtCache.warm.
var txStatements = []string{
	registerUpdateSQL, registerInsertSQL, putStateSQL, putStatesChunkSQL, bindInsertSQL, bindSelectSQL,
	enqueuePushSQL, deviceOnlineSQL, onlineFlagsSQL, setDeviceOnlineSQL, endSessionSQL, deleteDeviceSQL, unbindSQL,
	deliveredDeleteSQL, deliveredUpdateSQL, pushFailedSQL,
	deleteAuthCodeSQL, createAqaraTokenSQL, takeRefreshTokenSQL,
	positionBusySQL, deletePositionSQL, unplaceDeviceSQL, bindingExistsSQL,
	subscribeSQL, unsubscribeSQL, setPresenceSQL, unsetPresenceSQL,
	addPushCountSQL, setPushErrorSQL, prunePushCountsSQL, pushTallySQL,
}

// readTxStatements are the statements read transactions run: warmed so
// that stmtCache.inTx finds them cached rather than preparing them again
// for every transaction.
var readTxStatements = []string{countPositionsSQL, listPositionsSQL}

// createFile makes the directory and an empty database file with owner-only
// permissions when they do not exist yet: the database holds product secrets
// and device passcodes, and SQLite gives its -wal and -shm files the mode of
// the main file.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("sqlite: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: create database file: %w", err)
	}
	return f.Close()
}

// openPool opens a database/sql pool for one role. Idle connections are kept
// (up to the pool size) because opening one re-runs the DSN pragmas.
func openPool(path string, r role, size int) (*sql.DB, error) {
	name, err := dsn(path, r)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// checkJournalMode fails Open when SQLite silently kept another journal mode
// (it does so on file systems without shared-memory support): the
// reader/writer split and the durability reasoning both assume WAL.
func (s *Store) checkJournalMode(ctx context.Context) error {
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: read journal_mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("sqlite: journal_mode is %q, want wal", mode)
	}
	return nil
}

// Close closes the prepared statements and both pools, waiting for queries
// in flight. It is idempotent: later calls return the first call's result.
// The read pool closes first so that the writer is the last connection and
// checkpoints the WAL into the main file on its way out.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = errors.Join(s.rq.close(), s.wq.close(), s.r.Close(), s.w.Close())
	})
	return s.closeErr
}
