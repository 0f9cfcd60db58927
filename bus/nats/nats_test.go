package nats_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/bustest"
	busnats "github.com/switchboard-iot/switchboard/bus/nats"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
)

// TestContract runs the bus contract against a real NATS server. Subtests
// share the server but each gets its own connection, closed before the next
// subtest starts, so none sees another's messages.
func TestContract(t *testing.T) {
	srv := natstest.Start(t)
	bustest.Run(t, func(t *testing.T) bus.Bus { return connect(t, srv.URL(), t.Name()) })
}

// TestContractNodes runs the part of the contract only a bus spanning
// nodes has: every node of a subtest connects to that subtest's server.
func TestContractNodes(t *testing.T) {
	srv := natstest.Start(t)
	bustest.RunNodes(t, func(t *testing.T) bus.Bus { return connect(t, srv.URL(), t.Name()) })
}

// TestContractTinyQueue runs the suite with the smallest pending limit the
// suite's pacing allows, so drops happen at the edge of nats.go's limit.
func TestContractTinyQueue(t *testing.T) {
	srv := natstest.Start(t)
	bustest.Run(t, func(t *testing.T) bus.Bus {
		b, err := busnats.Connect(busnats.Options{
			URL: srv.URL(), PendingMsgs: 2000,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}
