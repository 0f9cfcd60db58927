package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/switchboard-iot/switchboard/relay/relaytest"
	"github.com/switchboard-iot/switchboard/store/sqlite"
	"github.com/switchboard-iot/switchboard/store/storetest"
)

// TestContract runs the engine-independent suite against a fresh file per
// subtest.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "switchboard.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

// TestRelayContract runs the relay's store suite, whose interface lives
// next to the relay.
func TestRelayContract(t *testing.T) {
	relaytest.Run(t, func(t *testing.T) relaytest.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "switchboard.db"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}
