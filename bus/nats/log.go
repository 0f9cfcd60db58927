package nats

import (
	"errors"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/switchboard-iot/switchboard/internal/logevery"
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

// slowLogEvery spaces the slow-consumer warnings.
const slowLogEvery = 10 * time.Second

// slowLog is the state of the slow-consumer warning; only onAsyncError,
// on nats.go's callback goroutine, touches it.
type slowLog struct {
	episodes atomic.Uint64 // read by tests
	every    logevery.Limiter
}

// onAsyncError reports what nats.go cannot return to a caller. nats.go
// reports a slow consumer each time a subscription goes from keeping up to
// dropping, which a subscriber hovering at its limit does once per message
// it manages to take, so the warning is logged at most every slowLogEvery
// with the count of those not logged. The messages themselves are counted
// in Dropped (metric switchboard_bus_dropped_total).
func (b *Bus) onAsyncError(_ *natsgo.Conn, sub *natsgo.Subscription, err error) {
	subject := ""
	if sub != nil {
		subject = sub.Subject
	}
	if !errors.Is(err, natsgo.ErrSlowConsumer) {
		b.log.Error("bus NATS error", "pattern", subject, "err", err)
		return
	}
	b.slow.episodes.Add(1)
	ok, suppressed := b.slow.every.Allow(time.Now())
	if !ok {
		return
	}
	b.log.Warn("bus subscriber cannot keep up; dropping messages",
		"pattern", subject, "suppressed", suppressed)
}
