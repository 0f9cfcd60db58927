package storetest

import (
	"fmt"
	"testing"

	"github.com/switchboard-iot/switchboard/store"
)

// newApp builds app n created at at(sec).
func newApp(n, sec int) store.App {
	return store.App{ID: hexKey(n), Secret: hexKey(2000 + n), Name: fmt.Sprintf("app %d", n), CreatedAt: at(sec)}
}

// testApps covers the Apps interface.
func testApps(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := newApp(1, 5)
		if err := s.CreateApp(ctx, a); err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		got, err := s.GetApp(ctx, a.ID)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		checkApp(t, got, a)
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		if err := s.CreateApp(ctx, newApp(1, 1)); err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		_, err := s.GetApp(ctx, hexKey(2))
		wantErr(t, "GetApp(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateDuplicate", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		a := newApp(1, 1)
		if err := s.CreateApp(ctx, a); err != nil {
			t.Fatalf("CreateApp: %v", err)
		}
		dup := newApp(1, 9)
		dup.Secret, dup.Name = hexKey(99), "impostor"
		wantErr(t, "CreateApp(duplicate)", s.CreateApp(ctx, dup), store.ErrConflict)
		got, err := s.GetApp(ctx, a.ID)
		if err != nil {
			t.Fatalf("GetApp: %v", err)
		}
		checkApp(t, got, a)
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		if as, err := s.ListApps(ctx); err != nil || len(as) != 0 {
			t.Fatalf("ListApps(empty) = %v, %v; want none", as, err)
		}
		want := []store.App{newApp(3, 1), newApp(1, 2), newApp(2, 3)}
		for _, i := range []int{2, 0, 1} {
			if err := s.CreateApp(ctx, want[i]); err != nil {
				t.Fatalf("CreateApp: %v", err)
			}
		}
		got, err := s.ListApps(ctx)
		if err != nil {
			t.Fatalf("ListApps: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("ListApps returned %d apps, want %d", len(got), len(want))
		}
		for i := range want {
			checkApp(t, got[i], want[i])
		}
	})
}
