package nats_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
)

// BenchmarkPublishDeliver measures a message's whole trip, publish to
// handler, for the in-process bus and for NATS (in-process server, loopback
// TCP), both within one node and from one node to another. The publisher
// runs ahead by at most a window of messages, well inside a subscription's
// queue, so nothing is dropped and ns/op is the sustained rate; drops/op
// reports it if that ever stops being so.
func BenchmarkPublishDeliver(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		bs := memory.New(memory.Options{})
		defer bs.Close()
		benchDeliver(b, bs, bs)
	})
	srv := natstest.Start(b)
	open := func(b *testing.B, name string) bus.Bus { return connect(b, srv.URL(), name) }
	b.Run("nats-one-node", func(b *testing.B) {
		bs := open(b, "a")
		benchDeliver(b, bs, bs)
	})
	b.Run("nats-two-nodes", func(b *testing.B) {
		benchDeliver(b, open(b, "a"), open(b, "b"))
	})
}

func benchDeliver(b *testing.B, pub, sub bus.Bus) {
	const window = 1000
	var got, want atomic.Int64
	caught := make(chan struct{}, 1)
	s, err := sub.Subscribe("sb.dev.d1.data", func(string, []byte) {
		if got.Add(1) == want.Load() {
			caught <- struct{}{}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Unsubscribe()
	data := make([]byte, 64)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; {
		n := min(window, b.N-i)
		want.Store(int64(i + n))
		for range n {
			if err := pub.Publish(ctx, "sb.dev.d1.data", data); err != nil {
				b.Fatal(err)
			}
		}
		i += n
		select {
		case <-caught:
		case <-time.After(patience):
			b.Fatalf("%d of %d messages delivered (%d dropped)", got.Load(), i, sub.Dropped())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sub.Dropped())/float64(b.N), "drops/op")
}
