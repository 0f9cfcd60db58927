package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

const (
	icPkg = "com.example.pair"
	icFP  = "0B:82:93:8B:9C:7D:DE:B2:75:83:23:CA:30:F1:1A:8F:67:80:95:C5"
	icFP2 = "11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44"
)

// checkApps compares apps field for field, times at store precision.
func checkApps(t *testing.T, what string, got []store.InterconnectApp, err error, want []store.InterconnectApp) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(got) != len(want) {
		t.Fatalf("%s = %d apps %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range got {
		checkTime(t, what+" FirstSeen", got[i].FirstSeen, want[i].FirstSeen)
		checkTime(t, what+" LastSeen", got[i].LastSeen, want[i].LastSeen)
		g, w := got[i], want[i]
		g.FirstSeen, g.LastSeen, w.FirstSeen, w.LastSeen = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, g, w)
		}
	}
}

// testInterconnect covers the Interconnect interface.
func testInterconnect(t *testing.T, open opener) {
	t.Run("AppsSaveAndList", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 2)
		u1, u2 := userID(1), userID(2)
		watch := store.InterconnectApp{UID: u1, Package: icPkg, Fingerprint: icFP, DID: did(1), FirstSeen: at(1), LastSeen: at(1)}
		phone := store.InterconnectApp{UID: u1, Package: icPkg, Fingerprint: icFP, FirstSeen: at(2), LastSeen: at(2)}
		other := store.InterconnectApp{UID: u2, Package: "com.other", Fingerprint: icFP2, FirstSeen: at(3), LastSeen: at(3)}
		for _, a := range []store.InterconnectApp{watch, phone, other} {
			if err := s.SaveInterconnectApp(ctx, a); err != nil {
				t.Fatalf("SaveInterconnectApp(%+v): %v", a, err)
			}
		}
		// Saving again moves LastSeen only.
		again := watch
		again.FirstSeen, again.LastSeen = at(50), at(60)
		if err := s.SaveInterconnectApp(ctx, again); err != nil {
			t.Fatal(err)
		}
		watch.LastSeen = at(60)
		w, err := s.ListInterconnectWatchApps(ctx, u1, icPkg)
		checkApps(t, "watch apps of u1", w, err, []store.InterconnectApp{watch})
		p, err := s.ListInterconnectPhoneApps(ctx, "", "")
		checkApps(t, "all phone apps", p, err, []store.InterconnectApp{phone, other})
		p, err = s.ListInterconnectPhoneApps(ctx, u1, "com.other")
		checkApps(t, "phone apps filtered to nothing", p, err, nil)
	})
	t.Run("AppsMissingUserOrDevice", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		for _, a := range []store.InterconnectApp{
			{UID: userID(9), Package: icPkg, Fingerprint: icFP, FirstSeen: at(1), LastSeen: at(1)},
			{UID: userID(1), Package: icPkg, Fingerprint: icFP, DID: did(9), FirstSeen: at(1), LastSeen: at(1)},
		} {
			wantErr(t, "SaveInterconnectApp without user or device", s.SaveInterconnectApp(ctx, a), store.ErrNotFound)
		}
	})
	t.Run("AppsGoWithDevice", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		a := store.InterconnectApp{UID: userID(1), Package: icPkg, Fingerprint: icFP, DID: did(1), FirstSeen: at(1), LastSeen: at(1)}
		if err := s.SaveInterconnectApp(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteDevice(ctx, did(1)); err != nil {
			t.Fatal(err)
		}
		w, err := s.ListInterconnectWatchApps(ctx, "", "")
		checkApps(t, "watch apps after device deletion", w, err, nil)
	})
	t.Run("Counts", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		key := store.InterconnectCount{UID: userID(1), Package: icPkg, Fingerprint: icFP, DID: did(1)}
		d1, d2, gone, idle := key, key, key, key
		d1.WatchToPhone, d1.LastMessageAt = 3, at(10)
		d2.WatchToPhone, d2.PhoneToWatch, d2.LastMessageAt = 1, 5, at(5) // older: last stays at(10)
		gone.DID, gone.WatchToPhone = did(9), 7                          // no such device: skipped
		idle.Fingerprint = icFP2                                         // no message yet
		if err := s.AddInterconnectCounts(ctx, []store.InterconnectCount{d1, gone}); err != nil {
			t.Fatalf("AddInterconnectCounts: %v", err)
		}
		if err := s.AddInterconnectCounts(ctx, []store.InterconnectCount{d2, idle}); err != nil {
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
		checkTime(t, "LastMessageAt", got[0].LastMessageAt, at(10))
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
		bindingWorld(t, s, 1, 2)
		g := store.InterconnectGrant{UID: userID(1), DID: did(1), Package: icPkg, Fingerprint: icFP, Permission: "notify", GrantedAt: at(1)}
		dm := g
		dm.Permission = "data_manager"
		if err := s.GrantInterconnect(ctx, []store.InterconnectGrant{g, dm}); err != nil {
			t.Fatalf("GrantInterconnect: %v", err)
		}
		later := g
		later.GrantedAt = at(30)
		if err := s.GrantInterconnect(ctx, []store.InterconnectGrant{later}); err != nil {
			t.Fatalf("GrantInterconnect again: %v", err)
		}
		got, err := s.ListInterconnectGrants(ctx, userID(1), did(1), icPkg, icFP)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("grants = %+v, want 2", got)
		}
		checkTime(t, "first grant kept", got[1].GrantedAt, at(1))
		got[0].GrantedAt, got[1].GrantedAt, g.GrantedAt, dm.GrantedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, []store.InterconnectGrant{dm, g}) {
			t.Errorf("grants = %+v", got)
		}
		// Grants are per watch and per fingerprint.
		for _, q := range [][2]string{{did(2), icFP}, {did(1), icFP2}} {
			if got, err := s.ListInterconnectGrants(ctx, userID(1), q[0], icPkg, q[1]); err != nil || len(got) != 0 {
				t.Errorf("grants for %v = %+v, %v; want none", q, got, err)
			}
		}
		bad := g
		bad.DID = did(9)
		if err := s.GrantInterconnect(ctx, []store.InterconnectGrant{bad}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("grant on a missing device = %v, want ErrNotFound", err)
		}
	})
}
