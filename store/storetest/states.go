package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard-iot/switchboard/store"
)

// attrs is a small JSON object that differs per (n, v).
func attrs(n, v int) []byte {
	return []byte(fmt.Sprintf(`{"switch":%t,"level":%d,"name":"dev %d"}`, v%2 == 0, v, n))
}

// testStates covers the States interface.
func testStates(t *testing.T, open opener) {
	t.Run("PutGetBatch", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mustProduct(t, s, 1)
		var batch []store.State
		for n := 1; n <= 3; n++ {
			mustRegister(t, s, newDevice(n, p.Key, n))
			batch = append(batch, store.State{DID: did(n), Attrs: attrs(n, n), UpdatedAt: at(10 + n)})
		}
		mustPut(t, s, batch...)
		for _, want := range batch {
			checkState(t, getState(t, s, want.DID), want)
		}
	})

	t.Run("LargeBatch", func(t *testing.T) {
		// A flush of many devices (engines may write it in chunks): every
		// state stored, a did given twice keeps its later state wherever
		// the two fall, a missing device is skipped.
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		const devices = 75
		var batch []store.State
		for n := 1; n <= devices; n++ {
			mustRegister(t, s, newDevice(n, p.Key, n))
			batch = append(batch, store.State{DID: did(n), Attrs: attrs(n, 1), UpdatedAt: at(10)})
		}
		batch = append(batch, store.State{DID: did(devices + 1), Attrs: attrs(devices+1, 1), UpdatedAt: at(10)})
		for _, n := range []int{1, 40, devices} {
			batch = append(batch, store.State{DID: did(n), Attrs: attrs(n, 2), UpdatedAt: at(11)})
		}
		mustPut(t, s, batch...)
		for n := 1; n <= devices; n++ {
			want := store.State{DID: did(n), Attrs: attrs(n, 1), UpdatedAt: at(10)}
			if n == 1 || n == 40 || n == devices {
				want = store.State{DID: did(n), Attrs: attrs(n, 2), UpdatedAt: at(11)}
			}
			checkState(t, getState(t, s, did(n)), want)
		}
		_, err := s.GetState(ctx, did(devices+1))
		wantErr(t, "GetState(device that never existed)", err, store.ErrNotFound)
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		mustRegister(t, s, newDevice(1, p.Key, 1))
		_, err := s.GetState(ctx, did(1))
		wantErr(t, "GetState(device without state)", err, store.ErrNotFound)
		_, err = s.GetState(ctx, did(2))
		wantErr(t, "GetState(unknown device)", err, store.ErrNotFound)
	})

	t.Run("OverwriteKeepsLatest", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mustProduct(t, s, 1)
		mustRegister(t, s, newDevice(1, p.Key, 1))
		mustRegister(t, s, newDevice(2, p.Key, 1))
		mustPut(t, s, store.State{DID: did(1), Attrs: attrs(1, 1), UpdatedAt: at(10)})
		latest := store.State{DID: did(1), Attrs: attrs(1, 2), UpdatedAt: at(20)}
		mustPut(t, s, latest)
		checkState(t, getState(t, s, did(1)), latest)

		// Within one batch the later entry for a did wins.
		last := store.State{DID: did(2), Attrs: attrs(2, 4), UpdatedAt: at(31)}
		mustPut(t, s,
			store.State{DID: did(2), Attrs: attrs(2, 3), UpdatedAt: at(30)},
			store.State{DID: did(1), Attrs: attrs(1, 3), UpdatedAt: at(30)},
			last)
		checkState(t, getState(t, s, did(2)), last)
		checkState(t, getState(t, s, did(1)), store.State{DID: did(1), Attrs: attrs(1, 3), UpdatedAt: at(30)})
	})

	t.Run("SkipsDeletedDevices", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		mustRegister(t, s, newDevice(1, p.Key, 1))
		mustRegister(t, s, newDevice(2, p.Key, 1))
		if err := s.DeleteDevice(ctx, did(2)); err != nil {
			t.Fatal(err)
		}
		kept := store.State{DID: did(1), Attrs: attrs(1, 1), UpdatedAt: at(10)}
		mustPut(t, s,
			store.State{DID: did(2), Attrs: attrs(2, 1), UpdatedAt: at(10)}, // deleted
			kept,
			store.State{DID: did(3), Attrs: attrs(3, 1), UpdatedAt: at(10)}, // never existed
		)
		checkState(t, getState(t, s, did(1)), kept)
		for _, n := range []int{2, 3} {
			_, err := s.GetState(ctx, did(n))
			wantErr(t, "GetState("+did(n)+")", err, store.ErrNotFound)
			_, err = s.GetDevice(ctx, did(n))
			wantErr(t, "GetDevice("+did(n)+")", err, store.ErrNotFound)
		}
	})

	t.Run("EmptyBatch", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		if err := s.PutStates(ctx, nil); err != nil {
			t.Errorf("PutStates(nil): %v", err)
		}
		if err := s.PutStates(ctx, []store.State{}); err != nil {
			t.Errorf("PutStates(empty): %v", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Writers and readers at once must neither fail (no "database is
		// locked" leaking out) nor lose writes.
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		const workers, rounds = 8, 20
		for n := range workers {
			mustRegister(t, s, newDevice(n, p.Key, n))
		}
		errs := make(chan error, workers*rounds)
		var wg sync.WaitGroup
		for n := range workers {
			wg.Go(func() {
				for r := range rounds {
					st := store.State{DID: did(n), Attrs: attrs(n, r), UpdatedAt: at(r)}
					if err := s.PutStates(ctx, []store.State{st}); err != nil {
						errs <- fmt.Errorf("PutStates: %w", err)
					}
					if err := setOnline(ctx, s, did(n), r%2 == 0, owner(1, r-r%2), at(r)); err != nil {
						errs <- err
					}
					if _, err := s.GetState(ctx, did(n)); err != nil {
						errs <- fmt.Errorf("GetState: %w", err)
					}
					if _, err := s.ListDevices(ctx, store.DeviceFilter{ProductKey: p.Key}); err != nil {
						errs <- fmt.Errorf("ListDevices: %w", err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for n := range workers {
			checkState(t, getState(t, s, did(n)), store.State{DID: did(n), Attrs: attrs(n, rounds-1), UpdatedAt: at(rounds - 1)})
			d := getDevice(t, s, did(n))
			if d.Online != ((rounds-1)%2 == 0) {
				t.Errorf("device %s online = %v after the last round", d.DID, d.Online)
			}
			checkTime(t, "device "+d.DID+" LastSeen", d.LastSeen, at(rounds-1))
		}
	})
}
