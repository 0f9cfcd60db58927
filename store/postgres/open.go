package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/switchboard-iot/switchboard/relay"
	"github.com/switchboard-iot/switchboard/store"
)

// Store is the PostgreSQL implementation of store.Store and relay.Store.
// It is safe for concurrent use, and several processes may share one
// database.
type Store struct {
	db *pgxpool.Pool

	closeOnce sync.Once
}

var (
	_ store.Store = (*Store)(nil)
	_ relay.Store = (*Store)(nil)
)

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string), brings its schema up to date and returns a ready
// Store. The caller must Close it. Errors never contain the password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote no password, but say nothing more than
		// this either.
		return nil, errors.New("postgres: cannot parse the connection string")
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a parsed pool configuration, for callers that set
// connection parameters such as search_path (the tests' private schemas).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	ms, err := loadMigrations(migrationFS)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect to %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := migrate(ctx, pool, ms); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{db: pool}, nil
}

// Close waits for queries in flight and closes the pool. It is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(s.db.Close)
	return nil
}
