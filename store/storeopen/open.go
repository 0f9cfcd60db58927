// Package storeopen turns the --store setting into a store.Store. It is a
// package of its own, not part of package store, because it imports the
// engines, which import package store.
package storeopen

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// DatabaseFile is the SQLite database's name inside the data directory
// (server.DatabaseFile names the same file).
const DatabaseFile = "switchboard.db"

// Open returns the store named by spec: SQLite in dataDir's DatabaseFile
// for "" (one node), or PostgreSQL for a postgres:// or postgresql:// URL
// (several nodes may share it). Errors never contain a password from spec.
func Open(ctx context.Context, spec, dataDir string, logger *slog.Logger) (store.Store, error) {
	if err := Check(spec); err != nil {
		return nil, err
	}
	if spec == "" {
		path := filepath.Join(dataDir, DatabaseFile)
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
		return st, nil
	}
	st, err := postgres.Open(ctx, spec)
	if err != nil {
		return nil, redactErr(err, spec)
	}
	if logger != nil {
		logger.Info("store: PostgreSQL", "url", Redact(spec))
	}
	return st, nil
}

// IsPostgres reports whether spec names a PostgreSQL database.
func IsPostgres(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// Check reports whether Open would accept spec's form, without connecting:
// a malformed --store is a usage error, an unreachable server is not.
func Check(spec string) error {
	if spec == "" {
		return nil
	}
	if !IsPostgres(spec) {
		return errors.New(`store: want "" (SQLite in the data directory) or a postgres:// URL`)
	}
	if u, err := url.Parse(spec); err != nil || u.Host == "" && u.Query().Get("host") == "" {
		return errors.New("store: not a postgres://user:password@host:5432/database URL")
	}
	return nil
}

// Redact is spec with its password, if any, replaced by "xxxxx".
func Redact(spec string) string {
	u, err := url.Parse(spec)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// redactErr keeps the cause but removes the password wherever the engine
// may have quoted it.
func redactErr(err error, spec string) error {
	msg := err.Error()
	if u, perr := url.Parse(spec); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		if pw := u.Query().Get("password"); pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return fmt.Errorf("store %s: %s", Redact(spec), msg)
}
