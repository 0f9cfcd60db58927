package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

// The same hot writes as store/sqlite's BenchmarkPutStates and
// BenchmarkEnqueueDeliver, with the same device count, state and payload,
// so the two engines' figures sit side by side (docs/benchmarks.md). Every
// transaction waits for its commit to be flushed (synchronous_commit on).

const benchDevices = 256

var (
	benchAttrs       = []byte(`{"switch":true,"brightness":73,"color":"warm","mode":2,"fault":false}`)
	benchPushPayload = []byte(`{"msgType":"resource_report","data":[{"subjectId":"lumi.158d0001a2b3c4","resourceId":"4.1.85","value":"1","time":1709294400123,"attach":"{\"room\":\"kitchen\"}"}]}`)
)

// benchStore opens a store in a schema of its own with one product and
// benchDevices devices.
func benchStore(b *testing.B) (*postgres.Store, []string) {
	b.Helper()
	ctx := b.Context()
	s, err := postgres.Open(ctx, pgtest.SchemaURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	now := time.Now()
	if err := s.CreateProduct(ctx, store.Product{Key: "p", Secret: "s", Name: "p", Schema: []byte(`{}`), CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	dids := make([]string, benchDevices)
	for i := range dids {
		dids[i] = fmt.Sprintf("did%019d", i)
		d := store.Device{DID: dids[i], ProductKey: "p", MAC: fmt.Sprintf("%012x", i), Passcode: "pc", CreatedAt: now}
		if _, _, err := s.RegisterDevice(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	return s, dids
}

// BenchmarkPutStates measures one PutStates call (one transaction) per
// batch size, as the core's 100 ms state flush makes it.
func BenchmarkPutStates(b *testing.B) {
	for _, n := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s, dids := benchStore(b)
			batch := make([]store.State, n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				now := time.Now()
				for j := range batch {
					batch[j] = store.State{DID: dids[(i+j)%len(dids)], Attrs: benchAttrs, UpdatedAt: now}
				}
				i += n
				if err := s.PutStates(b.Context(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "states/s")
		})
	}
}

// BenchmarkEnqueueDeliver measures the outbox round trip of one batch: a
// PutStates carrying one push per state (one transaction), then a
// delivery round's ClaimPushes and PushesDelivered (two more), the pushes
// delivered at their first attempt and so deleted.
func BenchmarkEnqueueDeliver(b *testing.B) {
	for _, n := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s, dids := benchStore(b)
			ctx := b.Context()
			const app = "bench-partner"
			if err := s.CreatePartner(ctx, partners.Partner{AppID: app, KeyID: "K.1", Name: "p", CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			states := make([]store.State, n)
			pushes := make([]store.Push, n)
			ids := make([]int64, 0, n)
			b.ReportAllocs()
			seq := 0
			for b.Loop() {
				now := time.Now()
				for j := range n {
					states[j] = store.State{DID: dids[(seq+j)%len(dids)], Attrs: benchAttrs, UpdatedAt: now}
					pushes[j] = store.Push{MsgID: fmt.Sprintf("%032x", seq+j), AppID: app, Payload: benchPushPayload, CreatedAt: now, NextAt: now}
				}
				seq += n
				if err := s.PutStates(ctx, states, pushes...); err != nil {
					b.Fatal(err)
				}
				due, err := s.ClaimPushes(ctx, app, "bench-node", now, now.Add(time.Minute), n)
				if err != nil || len(due) != n {
					b.Fatalf("ClaimPushes = %d pushes, %v; want %d", len(due), err, n)
				}
				ids = ids[:0]
				for _, p := range due {
					ids = append(ids, p.ID)
				}
				if err := s.PushesDelivered(ctx, ids, now); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "pushes/s")
		})
	}
}

// BenchmarkTakeToken is one login's rate-limit take: an upsert and its
// commit, spread over many client addresses.
func BenchmarkTakeToken(b *testing.B) {
	s, _ := benchStore(b)
	bucket := store.Bucket{Name: "login", Every: 200 * time.Millisecond, Burst: 10}
	now := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, _, err := s.TakeToken(b.Context(), bucket, fmt.Sprint("10.0.", i%65536), now); err != nil {
			b.Fatal(err)
		}
	}
}
