package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/switchboard-iot/switchboard/server"
)

// TestDataDirLockReleasedOnShutdown: within one process too, a second Start
// on a data dir in use fails with ErrDataDirInUse (and closes what it
// opened), and Shutdown releases the lock for the next Start.
func TestDataDirLockReleasedOnShutdown(t *testing.T) {
	cfg := server.Config{
		DataDir:  t.TempDir(),
		HTTPAddr: "127.0.0.1:0",
		MQTTAddr: "127.0.0.1:0",
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	first, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Start(context.Background(), cfg); !errors.Is(err, server.ErrDataDirInUse) {
		t.Fatalf("second Start on the same data dir: %v, want ErrDataDirInUse", err)
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start after Shutdown: %v", err)
	}
	if err := again.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
