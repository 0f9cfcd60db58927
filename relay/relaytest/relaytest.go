// Package relaytest is the contract suite every relay.Store must pass
// (store/sqlite runs it; so will any other engine). It needs the store's
// users and devices too, built with storetest's fixtures, since the
// relay's rows hang off them.
package relaytest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/relay"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/storetest"
)

const (
	icPkg = "com.example.pair"
	icFP  = "0B:82:93:8B:9C:7D:DE:B2:75:83:23:CA:30:F1:1A:8F:67:80:95:C5"
	icFP2 = "11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44"
)

// checkApps compares apps field for field, times at store precision.
func checkApps(t *testing.T, what string, got []relay.App, err error, want []relay.App) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s = %d apps %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range got {
		storetest.CheckTime(t, what+" FirstSeen", got[i].FirstSeen, want[i].FirstSeen)
		storetest.CheckTime(t, what+" LastSeen", got[i].LastSeen, want[i].LastSeen)
		g, w := got[i], want[i]
		g.FirstSeen, g.LastSeen, w.FirstSeen, w.LastSeen = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, g, w)
		}
	}
}

// Store is what the suite needs of an engine: the relay's part and the
// rest, for the users and devices the relay's rows refer to.
type Store interface {
	store.Store
	relay.Store
}

// Run runs the suite. open must return a fresh, empty store for the
// subtest t, safe to call concurrently; the suite closes it when t ends.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	fresh := func(t *testing.T) Store {
		t.Helper()
		s := open(t)
		if s == nil {
			t.Fatal("open returned a nil store")
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
	t.Run("Interconnect", func(t *testing.T) { testInterconnect(t, fresh) })
}

// testInterconnect covers the relay.Store interface.
func testInterconnect(t *testing.T, open func(t *testing.T) Store) {
	t.Run("AppsSaveAndList", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		storetest.BindingWorld(t, s, 2, 2)
		u1, u2 := storetest.UserID(1), storetest.UserID(2)
		watch := relay.App{UID: u1, Package: icPkg, Fingerprint: icFP, DID: storetest.DID(1), FirstSeen: storetest.At(1), LastSeen: storetest.At(1)}
		phone := relay.App{UID: u1, Package: icPkg, Fingerprint: icFP, FirstSeen: storetest.At(2), LastSeen: storetest.At(2)}
		other := relay.App{UID: u2, Package: "com.other", Fingerprint: icFP2, FirstSeen: storetest.At(3), LastSeen: storetest.At(3)}
		for _, a := range []relay.App{watch, phone, other} {
			if err := s.SaveInterconnectApp(ctx, a); err != nil {
				t.Fatalf("SaveInterconnectApp(%+v): %v", a, err)
			}
		}
		// Saving again moves LastSeen only.
		again := watch
		again.FirstSeen, again.LastSeen = storetest.At(50), storetest.At(60)
		if err := s.SaveInterconnectApp(ctx, again); err != nil {
			t.Fatal(err)
		}
		watch.LastSeen = storetest.At(60)
		w, err := s.ListInterconnectWatchApps(ctx, u1, icPkg)
		checkApps(t, "watch apps of u1", w, err, []relay.App{watch})
		p, err := s.ListInterconnectPhoneApps(ctx, "", "")
		checkApps(t, "all phone apps", p, err, []relay.App{phone, other})
		p, err = s.ListInterconnectPhoneApps(ctx, u1, "com.other")
		checkApps(t, "phone apps filtered to nothing", p, err, nil)
	})
	t.Run("AppsMissingUserOrDevice", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		storetest.BindingWorld(t, s, 1, 1)
		for _, a := range []relay.App{
			{UID: storetest.UserID(9), Package: icPkg, Fingerprint: icFP, FirstSeen: storetest.At(1), LastSeen: storetest.At(1)},
			{UID: storetest.UserID(1), Package: icPkg, Fingerprint: icFP, DID: storetest.DID(9), FirstSeen: storetest.At(1), LastSeen: storetest.At(1)},
		} {
			storetest.WantErr(t, "SaveInterconnectApp without user or device", s.SaveInterconnectApp(ctx, a), store.ErrNotFound)
		}
	})
	t.Run("AppsGoWithDevice", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		storetest.BindingWorld(t, s, 1, 1)
		a := relay.App{UID: storetest.UserID(1), Package: icPkg, Fingerprint: icFP, DID: storetest.DID(1), FirstSeen: storetest.At(1), LastSeen: storetest.At(1)}
		if err := s.SaveInterconnectApp(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDevice(ctx, storetest.DID(1)); err != nil {
			t.Fatal(err)
		}
		w, err := s.ListInterconnectWatchApps(ctx, "", "")
		checkApps(t, "watch apps after device deletion", w, err, nil)
	})
	t.Run("Counts", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		storetest.BindingWorld(t, s, 1, 1)
		key := relay.Count{UID: storetest.UserID(1), Package: icPkg, Fingerprint: icFP, DID: storetest.DID(1)}
		d1, d2, gone, idle := key, key, key, key
		d1.WatchToPhone, d1.LastMessageAt = 3, storetest.At(10)
		d2.WatchToPhone, d2.PhoneToWatch, d2.LastMessageAt = 1, 5, storetest.At(5) // older: last stays At(10)
		gone.DID, gone.WatchToPhone = storetest.DID(9), 7                          // no such device: skipped
		idle.Fingerprint = icFP2                                                   // no message yet
		if err := s.AddInterconnectCounts(ctx, []relay.Count{d1, gone}); err != nil {
			t.Fatalf("AddInterconnectCounts: %v", err)
		}
		if err := s.AddInterconnectCounts(ctx, []relay.Count{d2, idle}); err != nil {
			t.Fatalf("AddInterconnectCounts: %v", err)
		}
		got, err := s.ListInterconnectCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("counts = %+v, want 2 pairs", got)
		}
		want := key
		want.WatchToPhone, want.PhoneToWatch = 4, 5
		storetest.CheckTime(t, "LastMessageAt", got[0].LastMessageAt, storetest.At(10))
		if !got[1].LastMessageAt.IsZero() {
			t.Errorf("idle pair LastMessageAt = %v, want zero", got[1].LastMessageAt)
		}
		got[0].LastMessageAt = time.Time{}
		if got[0] != want || got[1].Fingerprint != icFP2 || got[1].WatchToPhone != 0 {
			t.Errorf("counts = %+v, want %+v then the idle pair", got, want)
		}
	})
	t.Run("Grants", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		storetest.BindingWorld(t, s, 1, 2)
		g := relay.Grant{UID: storetest.UserID(1), DID: storetest.DID(1), Package: icPkg, Fingerprint: icFP, Permission: "notify", GrantedAt: storetest.At(1)}
		dm := g
		dm.Permission = "data_manager"
		if err := s.GrantInterconnect(ctx, []relay.Grant{g, dm}); err != nil {
			t.Fatalf("GrantInterconnect: %v", err)
		}
		later := g
		later.GrantedAt = storetest.At(30)
		if err := s.GrantInterconnect(ctx, []relay.Grant{later}); err != nil {
			t.Fatalf("GrantInterconnect again: %v", err)
		}
		got, err := s.ListInterconnectGrants(ctx, storetest.UserID(1), storetest.DID(1), icPkg, icFP)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("grants = %+v, want 2", got)
		}
		storetest.CheckTime(t, "first grant kept", got[1].GrantedAt, storetest.At(1))
		got[0].GrantedAt, got[1].GrantedAt, g.GrantedAt, dm.GrantedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, []relay.Grant{dm, g}) {
			t.Errorf("grants = %+v", got)
		}
		// Grants are per watch and per fingerprint.
		for _, q := range [][2]string{{storetest.DID(2), icFP}, {storetest.DID(1), icFP2}} {
			if got, err := s.ListInterconnectGrants(ctx, storetest.UserID(1), q[0], icPkg, q[1]); err != nil || len(got) != 0 {
				t.Errorf("grants for %v = %+v, %v; want none", q, got, err)
			}
		}
		bad := g
		bad.DID = storetest.DID(9)
		if err := s.GrantInterconnect(ctx, []relay.Grant{bad}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("grant on a missing device = %v, want ErrNotFound", err)
		}
	})
}
