package bustest

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// testClose: after Close, Publish and Subscribe fail with ErrClosed, while
// Close and Unsubscribe of a subscription made before stay harmless.
func testClose(t *testing.T, b bus.Bus) {
	var r recorder
	sub := subscribe(t, b, "close", r.handle)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Publish(context.Background(), "close", []byte("x")); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe("close", r.handle); !errors.Is(err, bus.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Errorf("Unsubscribe after Close = %v, want nil", err)
	}
}
