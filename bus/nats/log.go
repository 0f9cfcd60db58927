package nats

import (
	"errors"

	natsgo "github.com/nats-io/nats.go"
)

// The handlers below run on nats.go's own goroutine, one at a time.

func (b *Bus) onDisconnect(nc *natsgo.Conn, err error) {
	if b.closed.Load() {
		return // our own Close
	}
	b.log.Warn("bus disconnected from NATS; reconnecting", "err", err)
}

func (b *Bus) onReconnect(nc *natsgo.Conn) {
	b.log.Info("bus reconnected to NATS", "server", nc.ConnectedUrlRedacted())
}

// onAsyncError reports what nats.go cannot return to a caller. A slow
// consumer is reported once each time a subscription starts dropping, not
// per message; the count is in Dropped (metric switchboard_bus_dropped_total).
func (b *Bus) onAsyncError(_ *natsgo.Conn, sub *natsgo.Subscription, err error) {
	subject := ""
	if sub != nil {
		subject = sub.Subject
	}
	if errors.Is(err, natsgo.ErrSlowConsumer) {
		b.log.Warn("bus subscriber cannot keep up; dropping messages", "pattern", subject)
		return
	}
	b.log.Error("bus NATS error", "pattern", subject, "err", err)
}
