package interconnect

import (
	"context"
	"time"
)

// Watch is a watch quick app's connection.
type Watch struct{ *conn }

// DialWatch connects as the watch app of cfg.DID.
func DialWatch(ctx context.Context, cfg Config) (*Watch, error) {
	c, err := dial(ctx, "watch", cfg)
	if err != nil {
		return nil, err
	}
	return &Watch{c}, nil
}

// Send relays data (the JSON text of the document's send({data})) to the
// phone app. nil means the relay took it; an *Error carries 1006 (phone
// app not connected), 204 (its queue stayed full) or 1009 (too large).
func (w *Watch) Send(ctx context.Context, data string) error {
	_, err := w.call(ctx, map[string]any{"type": "send", "data": data})
	return err
}

// ReadyState is getReadyState: 1 when the phone app is connected, else 2.
func (w *Watch) ReadyState(ctx context.Context) (int, error) {
	f, err := w.call(ctx, map[string]any{"type": "state"})
	if err != nil || f.Status == nil {
		return 0, err
	}
	return *f.Status, nil
}

// Diagnosis is diagnosis({timeout}): 0, 204, 1001 or 1000, with the
// relay's explanation.
func (w *Watch) Diagnosis(ctx context.Context, timeout time.Duration) (int, string, error) {
	f, err := w.call(ctx, map[string]any{"type": "diagnosis", "timeout": timeout.Milliseconds()})
	if err != nil || f.Status == nil {
		return 0, "", err
	}
	return *f.Status, f.Message, nil
}
