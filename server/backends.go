package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// owned says which backends the node opened itself and so must close; the
// ones the caller passed in Config are the caller's to close.
type owned struct{ store, bus bool }

// openBackends takes the store and bus from the config, or opens the
// defaults: SQLite in the data dir and an in-process bus.
func (s *Server) openBackends(ctx context.Context) error {
	if s.cfg.Store != nil {
		s.store = s.cfg.Store
	} else {
		// Through a typed variable: a nil *sqlite.Store stored in the
		// interface field would be non-nil there, and closeAll would call
		// Close on it.
		dbPath := filepath.Join(s.cfg.DataDir, DatabaseFile)
		st, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			return storeOpenError(dbPath, err)
		}
		s.store, s.owned.store = st, true
	}
	if s.cfg.Bus != nil {
		s.bus = s.cfg.Bus
	} else {
		s.bus, s.owned.bus = memory.New(memory.Options{OnDrop: func(string) {}}), true
	}
	return nil
}

// closeBackends closes the bus, then the store, of those the node opened.
func (s *Server) closeBackends() error {
	var errs []error
	if s.bus != nil && s.owned.bus {
		errs = append(errs, s.bus.Close())
	}
	if s.store != nil && s.owned.store {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}

// storeOpenError is the one line an operator sees when the database cannot
// be opened: the path, then the cause without the store's internal steps.
func storeOpenError(path string, err error) error {
	var pe *os.PathError
	switch {
	case sqlite.IsCorrupt(err):
		return fmt.Errorf("database %s: not a SQLite database or damaged (%w); restore it from a backup", path, err)
	case sqlite.IsReadOnly(err):
		return fmt.Errorf("database %s: cannot write it or create files next to it (%w)", path, err)
	case errors.As(err, &pe):
		return fmt.Errorf("database %s: %w", path, pe.Err)
	}
	return fmt.Errorf("database %s: %w", path, err)
}
