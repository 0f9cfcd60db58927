package postgres_test

import (
	"testing"

	"github.com/switchboard-iot/switchboard/relay/relaytest"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
	"github.com/switchboard-iot/switchboard/store/storetest"
)

// open gives t a store in a schema of its own.
func open(t *testing.T) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), pgtest.SchemaURL(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// TestContract runs the engine-independent suite, as store/sqlite does.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// TestRelayContract runs the relay's store suite.
func TestRelayContract(t *testing.T) {
	relaytest.Run(t, func(t *testing.T) relaytest.Store { return open(t) })
}
