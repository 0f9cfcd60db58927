package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard-iot/switchboard/store"
)

// testDevices covers the Devices interface.
func testDevices(t *testing.T, open opener) {
	t.Run("RegisterNew", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		d := newDevice(1, p.Key, 7)
		got, created, err := s.RegisterDevice(ctx, d)
		if err != nil || !created {
			t.Fatalf("RegisterDevice = created %v, err %v; want created", created, err)
		}
		checkDevice(t, got, d)
		checkDevice(t, getDevice(t, s, d.DID), d)
	})

	t.Run("RegisterExisting", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		orig := mustRegister(t, s, newDevice(1, p.Key, 1))
		if err := s.SetDeviceDisabled(ctx, orig.DID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetDeviceOnline(ctx, orig.DID, owner(1, 1), at(2)); err != nil {
			t.Fatal(err)
		}

		again := newDevice(2, p.Key, 3) // another candidate did, passcode and time
		again.MAC = orig.MAC
		got, created, err := s.RegisterDevice(ctx, again)
		if err != nil || created {
			t.Fatalf("RegisterDevice(again) = created %v, err %v; want existing", created, err)
		}
		// Only the passcode changes; the did, creation time and flags stay.
		want := orig
		want.Passcode = again.Passcode
		want.Disabled, want.Online, want.LastSeen, want.Owner = true, true, at(2), owner(1, 1)
		checkDevice(t, got, want)
		checkDevice(t, getDevice(t, s, orig.DID), want)
		_, err = s.GetDevice(ctx, again.DID)
		wantErr(t, "GetDevice(unused candidate did)", err, store.ErrNotFound)
		if ds, err := s.ListDevices(ctx, store.DeviceFilter{}); err != nil || len(ds) != 1 {
			t.Errorf("ListDevices = %d devices, %v; want 1", len(ds), err)
		}
	})

	t.Run("RegisterSameMACOtherProduct", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		a, b := mustProduct(t, s, 1), mustProduct(t, s, 2)
		da := mustRegister(t, s, newDevice(1, a.Key, 1))
		db := newDevice(2, b.Key, 1)
		db.MAC = da.MAC
		if got := mustRegister(t, s, db); got.DID != db.DID {
			t.Errorf("did = %s, want %s", got.DID, db.DID)
		}
	})

	t.Run("RegisterUnknownProduct", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		mustProduct(t, s, 1)
		d := newDevice(1, hexKey(2), 1)
		_, _, err := s.RegisterDevice(ctx, d)
		wantErr(t, "RegisterDevice(unknown product)", err, store.ErrNotFound)
		_, err = s.GetDevice(ctx, d.DID)
		wantErr(t, "GetDevice after failed register", err, store.ErrNotFound)
	})

	t.Run("RegisterDIDTaken", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		orig := mustRegister(t, s, newDevice(1, p.Key, 1))
		clash := newDevice(2, p.Key, 2)
		clash.DID = orig.DID // a new product+mac whose candidate did is taken
		_, _, err := s.RegisterDevice(ctx, clash)
		wantErr(t, "RegisterDevice(did taken)", err, store.ErrConflict)
		checkDevice(t, getDevice(t, s, orig.DID), orig)
	})

	t.Run("RegisterConcurrent", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		const rounds = 4 // a lost race is likely, not certain, in one round
		for round := range rounds {
			registerRace(t, s, p.Key, round)
		}
		ds, err := s.ListDevices(ctx, store.DeviceFilter{})
		if err != nil || len(ds) != rounds {
			t.Fatalf("ListDevices = %d devices, %v; want %d", len(ds), err, rounds)
		}
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		mustRegister(t, s, newDevice(1, p.Key, 1))
		_, err := s.GetDevice(ctx, did(2))
		wantErr(t, "GetDevice(missing)", err, store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) { testListDevices(t, open) })

	t.Run("SetDisabled", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		want := mustRegister(t, s, newDevice(1, p.Key, 1))
		for _, v := range []bool{true, false, true} {
			if err := s.SetDeviceDisabled(ctx, want.DID, v); err != nil {
				t.Fatalf("SetDeviceDisabled(%v): %v", v, err)
			}
			want.Disabled = v
			checkDevice(t, getDevice(t, s, want.DID), want)
		}
		wantErr(t, "SetDeviceDisabled(missing)", s.SetDeviceDisabled(ctx, did(2), true), store.ErrNotFound)
	})

	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		gone := mustRegister(t, s, newDevice(1, p.Key, 1))
		kept := mustRegister(t, s, newDevice(2, p.Key, 2))
		keptState := store.State{DID: kept.DID, Attrs: []byte(`{"on":true}`), UpdatedAt: at(3)}
		mustPut(t, s, store.State{DID: gone.DID, Attrs: []byte(`{"on":false}`), UpdatedAt: at(3)}, keptState)

		if err := s.DeleteDevice(ctx, gone.DID); err != nil {
			t.Fatalf("DeleteDevice: %v", err)
		}
		_, err := s.GetDevice(ctx, gone.DID)
		wantErr(t, "GetDevice(deleted)", err, store.ErrNotFound)
		_, err = s.GetState(ctx, gone.DID)
		wantErr(t, "GetState(deleted device)", err, store.ErrNotFound)
		wantErr(t, "DeleteDevice(again)", s.DeleteDevice(ctx, gone.DID), store.ErrNotFound)

		ds, err := s.ListDevices(ctx, store.DeviceFilter{})
		if err != nil || len(ds) != 1 || ds[0].DID != kept.DID {
			t.Errorf("ListDevices after delete = %v, %v; want only %s", ds, err, kept.DID)
		}
		checkState(t, getState(t, s, kept.DID), keptState)

		// Registering the same product+mac (even with the same did) is a new
		// device that must not inherit the old state.
		again := mustRegister(t, s, newDevice(1, p.Key, 5))
		_, err = s.GetState(ctx, again.DID)
		wantErr(t, "GetState(re-registered device)", err, store.ErrNotFound)
	})
}

// testListDevices covers filtering, paging and ordering of ListDevices.
func testListDevices(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	a, b := mustProduct(t, s, 1), mustProduct(t, s, 2)
	// Inserted in neither did nor creation order; d4 and d5 share a creation
	// time, so the did tie-break decides between them.
	byDID := map[string]store.Device{}
	for _, d := range []store.Device{
		newDevice(5, a.Key, 2),
		newDevice(2, b.Key, 1),
		newDevice(4, a.Key, 2),
		newDevice(1, a.Key, 3),
		newDevice(3, b.Key, 0),
	} {
		byDID[d.DID] = mustRegister(t, s, d)
	}
	cases := []struct {
		f    store.DeviceFilter
		want []int
	}{
		{store.DeviceFilter{}, []int{3, 2, 4, 5, 1}},
		{store.DeviceFilter{ProductKey: a.Key}, []int{4, 5, 1}},
		{store.DeviceFilter{ProductKey: b.Key}, []int{3, 2}},
		{store.DeviceFilter{ProductKey: hexKey(9)}, nil},
		{store.DeviceFilter{Limit: 2}, []int{3, 2}},
		{store.DeviceFilter{Limit: 2, Offset: 2}, []int{4, 5}},
		{store.DeviceFilter{Offset: 4}, []int{1}},
		{store.DeviceFilter{Offset: 5}, nil},
		{store.DeviceFilter{Limit: 10, Offset: 3}, []int{5, 1}},
		{store.DeviceFilter{ProductKey: a.Key, Limit: 1, Offset: 1}, []int{5}},
	}
	for _, c := range cases {
		got, err := s.ListDevices(ctx, c.f)
		if err != nil {
			t.Fatalf("ListDevices(%+v): %v", c.f, err)
		}
		var gotDIDs, wantDIDs []string
		for _, d := range got {
			gotDIDs = append(gotDIDs, d.DID)
		}
		for _, n := range c.want {
			wantDIDs = append(wantDIDs, did(n))
		}
		if fmt.Sprint(gotDIDs) != fmt.Sprint(wantDIDs) {
			t.Errorf("ListDevices(%+v) = %v, want %v", c.f, gotDIDs, wantDIDs)
			continue
		}
		for _, d := range got {
			checkDevice(t, d, byDID[d.DID])
		}
	}
}

// registerRace registers one product+mac from 8 goroutines released at once
// and checks they all got the same did, exactly one of them as its creator.
func registerRace(t *testing.T, s store.Store, product string, round int) {
	t.Helper()
	const n = 8
	type result struct {
		d       store.Device
		created bool
		err     error
	}
	var (
		res   [n]result
		start = make(chan struct{})
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			d := newDevice(100*(round+1)+i, product, 1) // each its own candidate did and passcode
			d.MAC = mac(round)
			<-start
			res[i].d, res[i].created, res[i].err = s.RegisterDevice(t.Context(), d)
		})
	}
	close(start)
	wg.Wait()

	creators := 0
	var winner string
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("round %d goroutine %d: RegisterDevice: %v", round, i, r.err)
		}
		if r.created {
			creators++
			winner = did(100*(round+1) + i)
		}
	}
	if creators != 1 {
		t.Fatalf("round %d: %d registrations report created, want exactly 1", round, creators)
	}
	for i, r := range res {
		if r.d.DID != winner {
			t.Errorf("round %d goroutine %d got did %s, want the creator's %s", round, i, r.d.DID, winner)
		}
	}
}
