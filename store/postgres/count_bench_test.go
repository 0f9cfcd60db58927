package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// BenchmarkCountPendingPushes measures what each node sharing the store
// pays every PendingRefresh (the backlog bound, partners/outbox.go): one
// count of the pending pushes, by backlog size.
func BenchmarkCountPendingPushes(b *testing.B) {
	for _, pending := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("pending=%d", pending), func(b *testing.B) {
			s, _ := benchStore(b)
			ctx := b.Context()
			const app = "bench-partner"
			if err := s.CreatePartner(ctx, partners.Partner{AppID: app, KeyID: "K.1", Name: "p", CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			batch := make([]store.Push, 0, 1000)
			for i := range pending {
				batch = append(batch, store.Push{MsgID: fmt.Sprintf("%032x", i), AppID: app, Payload: benchPushPayload, CreatedAt: now, NextAt: now})
				if len(batch) == cap(batch) || i == pending-1 {
					if err := s.EnqueuePushes(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			for b.Loop() {
				counts, err := s.CountPendingPushes(ctx)
				if err != nil || counts[app] != int64(pending) {
					b.Fatalf("CountPendingPushes = %v, %v; want %d", counts, err, pending)
				}
			}
		})
	}
}
