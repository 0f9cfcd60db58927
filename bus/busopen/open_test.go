package busopen_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/busopen"
	"github.com/switchboard-iot/switchboard/bus/memory"
	busnats "github.com/switchboard-iot/switchboard/bus/nats"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t *testing.T, spec string) bus.Bus {
	t.Helper()
	b, err := busopen.Open(spec, quiet)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestOpenMemory(t *testing.T) {
	for _, spec := range []string{"", "memory"} {
		if b, ok := open(t, spec).(*memory.Bus); !ok {
			t.Errorf("Open(%q) = %T, want *memory.Bus", spec, b)
		}
	}
}

// TestOpenNATS: a nats:// URL (here two servers of a "cluster", one of them
// the same) gives a NATS bus that delivers.
func TestOpenNATS(t *testing.T) {
	srv := natstest.Start(t)
	b := open(t, srv.URL()+", "+srv.URL())
	if _, ok := b.(*busnats.Bus); !ok {
		t.Fatalf("Open(nats://…) = %T, want *nats.Bus", b)
	}
	got := make(chan string, 1)
	if _, err := b.Subscribe("x", func(_ string, data []byte) { got <- string(data) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(t.Context(), "x", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "hello" {
			t.Errorf("got %q", s)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no delivery")
	}
}

// TestOpenBad: anything else is refused with a message naming what is
// wanted, and a password in the setting never appears in an error.
func TestOpenBad(t *testing.T) {
	srv := natstest.Start(t)
	stopped := srv.URL()
	srv.Shutdown()
	for _, spec := range []string{
		"redis://h:6379", "localhost:4222", "nats://", "nats://u:s3cret@h:4222,http://u:s3cret@h",
		"nats://u:s3cret@h:4222,%zz", "nats://u:s3cret@" + strings.TrimPrefix(stopped, "nats://"),
	} {
		b, err := busopen.Open(spec, quiet)
		if err == nil {
			_ = b.Close()
			t.Errorf("Open(%q) succeeded", spec)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) error shows the password: %v", spec, err)
		}
	}
}
