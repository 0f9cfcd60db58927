package storetest

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// positionID is the id of position n, Aqara-style.
func positionID(n int) string { return fmt.Sprintf("real2.%010d", n) }

// newPosition builds position n of user u under parent (0: top level),
// created at at(sec).
func newPosition(n, u, parent, sec int) partners.Position {
	p := partners.Position{
		PositionID:  positionID(n),
		UID:         userID(u),
		Name:        fmt.Sprintf("position %d", n),
		Description: fmt.Sprintf("description %d", n),
		CreatedAt:   at(sec),
	}
	if parent != 0 {
		p.ParentID = positionID(parent)
	}
	return p
}

// mustPosition creates p and fails the test on error.
func mustPosition(t *testing.T, s Store, p partners.Position) partners.Position {
	t.Helper()
	if err := s.CreatePosition(t.Context(), p); err != nil {
		t.Fatalf("CreatePosition(%s): %v", p.PositionID, err)
	}
	return p
}

// checkPosition compares every field of a returned position.
func checkPosition(t *testing.T, got, want partners.Position) {
	t.Helper()
	g, w := got, want
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("position = %+v, want %+v", g, w)
	}
	checkTime(t, "position "+want.PositionID+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// mustPlace puts uid's device in a position.
func mustPlace(t *testing.T, s Store, u, d, pos int) {
	t.Helper()
	if err := s.SetDevicePosition(t.Context(), userID(u), did(d), positionID(pos)); err != nil {
		t.Fatalf("SetDevicePosition(user %d, device %d, position %d): %v", u, d, pos, err)
	}
}

// checkPlacement fails unless user u's placed devices are want (device
// number -> position number).
func checkPlacement(t *testing.T, s Store, u int, want map[int]int) {
	t.Helper()
	got, err := s.DevicePositions(t.Context(), userID(u))
	if err != nil {
		t.Errorf("DevicePositions(user %d): %v", u, err)
		return
	}
	w := map[string]string{}
	for d, pos := range want {
		w[did(d)] = positionID(pos)
	}
	if !maps.Equal(got, w) {
		t.Errorf("DevicePositions(user %d) = %v, want %v", u, got, w)
	}
}

// testPositions covers the AqaraPositions interface.
func testPositions(t *testing.T, open opener) {
	t.Run("CreateGetUpdate", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 0)
		home := mustPosition(t, s, newPosition(1, 1, 0, 10))
		room := mustPosition(t, s, newPosition(2, 1, 1, 11))
		for _, want := range []partners.Position{home, room} {
			got, err := s.GetPosition(ctx, want.PositionID)
			if err != nil {
				t.Fatalf("GetPosition(%s): %v", want.PositionID, err)
			}
			checkPosition(t, got, want)
		}
		_, err := s.GetPosition(ctx, positionID(3))
		wantErr(t, "GetPosition(missing)", err, store.ErrNotFound)
		wantErr(t, "CreatePosition(taken id)", s.CreatePosition(ctx, newPosition(1, 2, 0, 12)), store.ErrConflict)
		wantErr(t, "CreatePosition(unknown user)", s.CreatePosition(ctx, newPosition(3, 9, 0, 12)), store.ErrNotFound)

		// Only Name and Description change.
		upd := partners.Position{PositionID: room.PositionID, UID: userID(2), ParentID: "", Name: "kitchen", Description: "", CreatedAt: at(50)}
		if err := s.UpdatePosition(ctx, upd); err != nil {
			t.Fatalf("UpdatePosition: %v", err)
		}
		want := room
		want.Name, want.Description = upd.Name, upd.Description
		got, _ := s.GetPosition(ctx, room.PositionID)
		checkPosition(t, got, want)
		got, _ = s.GetPosition(ctx, home.PositionID)
		checkPosition(t, got, home)
		wantErr(t, "UpdatePosition(missing)", s.UpdatePosition(ctx, newPosition(3, 1, 0, 1)), store.ErrNotFound)
	})

	t.Run("List", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 3, 0)
		// Homes 2 and 3 share a creation time: the id decides.
		byN := map[int]partners.Position{}
		for _, p := range []struct{ n, u, parent, sec int }{
			{1, 1, 0, 30},
			{3, 1, 0, 20},
			{2, 1, 0, 20},
			{4, 1, 1, 5}, // rooms of home 1
			{5, 1, 1, 6},
			{6, 2, 0, 1}, // another user's home
		} {
			byN[p.n] = mustPosition(t, s, newPosition(p.n, p.u, p.parent, p.sec))
		}
		for _, c := range []struct {
			u, parent     int
			limit, offset int
			want          []int
			total         int
		}{
			{1, 0, 0, 0, []int{2, 3, 1}, 3},
			{1, 0, 2, 0, []int{2, 3}, 3},
			{1, 0, 2, 1, []int{3, 1}, 3},
			{1, 0, 0, 2, []int{1}, 3},
			{1, 0, 0, 3, nil, 3}, // past the end: the total still counts
			{1, 1, 0, 0, []int{4, 5}, 2},
			{1, 4, 0, 0, nil, 0},
			{2, 0, 0, 0, []int{6}, 1},
			{3, 0, 0, 0, nil, 0},
		} {
			parent := ""
			if c.parent != 0 {
				parent = positionID(c.parent)
			}
			what := fmt.Sprintf("ListPositions(user %d, parent %d, limit %d, offset %d)", c.u, c.parent, c.limit, c.offset)
			got, total, err := s.ListPositions(ctx, userID(c.u), parent, c.limit, c.offset)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			if total != c.total {
				t.Errorf("%s total = %d, want %d", what, total, c.total)
			}
			if len(got) != len(c.want) {
				t.Errorf("%s = %d positions %+v, want %v", what, len(got), got, c.want)
				continue
			}
			for i, n := range c.want {
				checkPosition(t, got[i], byN[n])
			}
		}
	})

	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		mustBind(t, s, newBinding(1, 1, 1, "owner"))
		mustPosition(t, s, newPosition(1, 1, 0, 1))
		mustPosition(t, s, newPosition(2, 1, 1, 2))
		mustPlace(t, s, 1, 1, 2)

		// A position with a child, or with a device, stays.
		wantErr(t, "DeletePosition(with a child)", s.DeletePosition(ctx, positionID(1)), store.ErrConflict)
		wantErr(t, "DeletePosition(with a device)", s.DeletePosition(ctx, positionID(2)), store.ErrConflict)
		checkPlacement(t, s, 1, map[int]int{1: 2})
		if _, total, err := s.ListPositions(ctx, userID(1), positionID(1), 0, 0); err != nil || total != 1 {
			t.Errorf("ListPositions after refused deletes: total %d, %v; want 1", total, err)
		}

		if err := s.SetDevicePosition(ctx, userID(1), did(1), ""); err != nil {
			t.Fatalf("SetDevicePosition(out): %v", err)
		}
		if err := s.DeletePosition(ctx, positionID(2)); err != nil {
			t.Fatalf("DeletePosition(empty room): %v", err)
		}
		if err := s.DeletePosition(ctx, positionID(1)); err != nil {
			t.Fatalf("DeletePosition(empty home): %v", err)
		}
		_, err := s.GetPosition(ctx, positionID(1))
		wantErr(t, "GetPosition(deleted)", err, store.ErrNotFound)
		wantErr(t, "DeletePosition(again)", s.DeletePosition(ctx, positionID(1)), store.ErrNotFound)
	})

	t.Run("DevicePlacement", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 3)
		mustBind(t, s, newBinding(1, 1, 1, "owner"))
		mustBind(t, s, newBinding(1, 2, 2, "owner"))
		mustBind(t, s, newBinding(2, 1, 3, "normal"))
		mustPosition(t, s, newPosition(1, 1, 0, 1))
		mustPosition(t, s, newPosition(2, 1, 1, 2))
		mustPosition(t, s, newPosition(3, 2, 0, 3)) // user 2's

		checkPlacement(t, s, 1, map[int]int{})
		mustPlace(t, s, 1, 1, 1)
		mustPlace(t, s, 1, 2, 1)
		mustPlace(t, s, 1, 1, 2) // moves
		mustPlace(t, s, 2, 1, 3) // a shared device: each user places it
		checkPlacement(t, s, 1, map[int]int{1: 2, 2: 1})
		checkPlacement(t, s, 2, map[int]int{1: 3})

		wantErr(t, "SetDevicePosition(unbound device)",
			s.SetDevicePosition(ctx, userID(1), did(3), positionID(1)), store.ErrNotFound)
		wantErr(t, "SetDevicePosition(unbound device, out)",
			s.SetDevicePosition(ctx, userID(1), did(3), ""), store.ErrNotFound)
		wantErr(t, "SetDevicePosition(missing position)",
			s.SetDevicePosition(ctx, userID(1), did(1), positionID(9)), store.ErrNotFound)
		// A user's devices go only in that user's positions.
		wantErr(t, "SetDevicePosition(another user's position)",
			s.SetDevicePosition(ctx, userID(1), did(1), positionID(3)), store.ErrNotFound)
		checkPlacement(t, s, 1, map[int]int{1: 2, 2: 1})

		for range 2 { // taking out an unplaced bound device is fine
			if err := s.SetDevicePosition(ctx, userID(1), did(2), ""); err != nil {
				t.Fatalf("SetDevicePosition(out): %v", err)
			}
		}
		checkPlacement(t, s, 1, map[int]int{1: 2})
	})

	t.Run("UnbindTakesOut", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 2)
		mustBind(t, s, newBinding(1, 1, 1, "owner"))
		mustBind(t, s, newBinding(1, 2, 2, "owner"))
		mustBind(t, s, newBinding(2, 1, 3, "normal"))
		mustPosition(t, s, newPosition(1, 1, 0, 1))
		mustPosition(t, s, newPosition(2, 2, 0, 2))
		mustPlace(t, s, 1, 1, 1)
		mustPlace(t, s, 1, 2, 1)
		mustPlace(t, s, 2, 1, 2)
		if err := s.Unbind(ctx, userID(1), did(1)); err != nil {
			t.Fatalf("Unbind: %v", err)
		}
		checkPlacement(t, s, 1, map[int]int{2: 1})
		checkPlacement(t, s, 2, map[int]int{1: 2})
		// Binding again places nothing.
		mustBind(t, s, newBinding(1, 1, 4, "normal"))
		checkPlacement(t, s, 1, map[int]int{2: 1})

		// Deleting the device takes it out of every user's positions.
		if err := s.DeleteDevice(ctx, did(1)); err != nil {
			t.Fatalf("DeleteDevice: %v", err)
		}
		checkPlacement(t, s, 2, map[int]int{})
		if err := s.DeletePosition(ctx, positionID(2)); err != nil {
			t.Errorf("DeletePosition(emptied by DeleteDevice): %v", err)
		}
	})
}
