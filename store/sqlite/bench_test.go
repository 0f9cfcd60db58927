package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// benchDevices is how many registered devices the benchmarks spread over.
const benchDevices = 256

// benchStore opens a store on disk with one product and benchDevices devices.
// Numbers therefore include the real fsync of synchronous=FULL, which is
// what a deployment pays.
func benchStore(b *testing.B) (*Store, []string) {
	b.Helper()
	ctx := b.Context()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
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

// benchAttrs is a typical small device state.
var benchAttrs = []byte(`{"switch":true,"brightness":73,"color":"warm","mode":2,"fault":false}`)

// BenchmarkPutStates measures one PutStates call (one transaction, one
// fsync) per batch size; states/s shows what batching buys.
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

// benchPushPayload is a typical resource report as the core describes it.
var benchPushPayload = []byte(`{"msgType":"resource_report","data":[{"subjectId":"lumi.158d0001a2b3c4","resourceId":"4.1.85","value":"1","time":1709294400123,"attach":"{\"room\":\"kitchen\"}"}]}`)

// BenchmarkEnqueueDeliver measures the outbox round trip of one batch: a
// PutStates carrying one push per state (one transaction, one fsync), then
// what a dispatcher does once they are delivered, DuePushes and
// PushesDelivered (a second transaction). pushes/s is the sustained rate of
// the whole cycle, with the pushes delivered at their first attempt and so
// deleted, as on a healthy partner.
func BenchmarkEnqueueDeliver(b *testing.B) {
	for _, n := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			s, dids := benchStore(b)
			ctx := b.Context()
			app := newTestApp().ID
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
				due, err := s.DuePushes(ctx, app, now, n)
				if err != nil || len(due) != n {
					b.Fatalf("DuePushes = %d pushes, %v; want %d", len(due), err, n)
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

// BenchmarkGetState measures reads of stored states, alone and from all
// CPUs at once through the read pool.
func BenchmarkGetState(b *testing.B) {
	setup := func(b *testing.B) (*Store, []string) {
		s, dids := benchStore(b)
		states := make([]store.State, len(dids))
		for i, did := range dids {
			states[i] = store.State{DID: did, Attrs: benchAttrs, UpdatedAt: time.Now()}
		}
		if err := s.PutStates(b.Context(), states); err != nil {
			b.Fatal(err)
		}
		return s, dids
	}
	benchLookups(b, setup,
		func(s *Store, ctx context.Context, key string) error { _, err := s.GetState(ctx, key); return err })
}

// benchTokens is how many live tokens BenchmarkGetToken looks up among.
const benchTokens = 4096

// BenchmarkGetToken measures the token look-up every app API call makes,
// alone and from all CPUs at once through the read pool. The tokens are
// inserted in one transaction to keep set-up fast; the statement is the one
// CreateToken runs.
func BenchmarkGetToken(b *testing.B) {
	setup := func(b *testing.B) (*Store, []string) {
		b.Helper()
		ctx := b.Context()
		s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		now := time.Now()
		app := newTestApp()
		if err := s.CreateApp(ctx, app); err != nil {
			b.Fatal(err)
		}
		const users = 256
		for i := range users {
			u := store.User{UID: fmt.Sprintf("%032x", i), AppID: app.ID, Username: fmt.Sprintf("u%d", i), CreatedAt: now, UpdatedAt: now}
			if err := s.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck // no-op after Commit
		hashes := make([]string, benchTokens)
		for i := range hashes {
			sum := sha256.Sum256([]byte(strconv.Itoa(i)))
			hashes[i] = hex.EncodeToString(sum[:])
			uid := sql.NullString{String: fmt.Sprintf("%032x", i%users), Valid: i%8 != 0} // every 8th an app token
			if _, err := tx.ExecContext(ctx, createTokenSQL, hashes[i], app.ID, uid, toMS(now.Add(time.Hour)), toMS(now)); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		return s, hashes
	}
	benchLookups(b, setup,
		func(s *Store, ctx context.Context, key string) error { _, err := s.GetToken(ctx, key); return err })
}

// benchLookups runs a keyed read serially and from parallel goroutines, on
// a store and keys that setup prepares for each run.
func benchLookups(b *testing.B, setup func(*testing.B) (*Store, []string), get func(*Store, context.Context, string) error) {
	b.Run("serial", func(b *testing.B) {
		s, keys := setup(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := get(s, b.Context(), keys[i%len(keys)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		s, keys := setup(b)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := next.Add(1)
				if err := get(s, b.Context(), keys[int(i)%len(keys)]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkTakeToken is one login's rate-limit take: an upsert with its
// fsync, spread over many client addresses.
func BenchmarkTakeToken(b *testing.B) {
	s, _ := benchStore(b)
	bucket := store.Bucket{Name: "login", Every: 200 * time.Millisecond, Burst: 10}
	now := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, _, err := s.TakeToken(b.Context(), bucket, "10.0."+strconv.Itoa(i%65536), now); err != nil {
			b.Fatal(err)
		}
	}
}
