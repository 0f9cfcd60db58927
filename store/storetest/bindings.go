package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// newBinding builds the binding of user u to device d created at at(sec).
func newBinding(u, d, sec int, role string) store.Binding {
	return store.Binding{
		UID:       userID(u),
		DID:       did(d),
		Remark:    fmt.Sprintf("remark %d/%d", u, d),
		Alias:     fmt.Sprintf("alias %d/%d", u, d),
		Label:     fmt.Sprintf("label %d/%d", u, d),
		Role:      role,
		CreatedAt: at(sec),
	}
}

// mustBind binds b, which must be new.
func mustBind(t *testing.T, s store.Store, b store.Binding) store.Binding {
	t.Helper()
	got, created, err := s.Bind(t.Context(), b)
	if err != nil {
		t.Fatalf("Bind(%s, %s): %v", b.UID, b.DID, err)
	}
	if !created {
		t.Fatalf("Bind(%s, %s): created = false for a new binding", b.UID, b.DID)
	}
	return got
}

// checkBinding compares every field of a returned binding.
func checkBinding(t *testing.T, got, want store.Binding) {
	t.Helper()
	g, w := got, want
	g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
	if g != w {
		t.Errorf("binding = %+v, want %+v", got, want)
	}
	checkTime(t, "binding "+want.UID+"/"+want.DID+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// getBinding fetches a binding, failing the test on error.
func getBinding(t *testing.T, s store.Store, uid, did string) store.Binding {
	t.Helper()
	b, err := s.GetBinding(t.Context(), uid, did)
	if err != nil {
		t.Fatalf("GetBinding(%s, %s): %v", uid, did, err)
	}
	return b
}

// checkBindingList compares a listed page with the expected bindings, in
// order.
func checkBindingList(t *testing.T, what string, got []store.Binding, err error, want []store.Binding) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	key := func(bs []store.Binding) []string {
		var ks []string
		for _, b := range bs {
			ks = append(ks, b.UID+"/"+b.DID)
		}
		return ks
	}
	if fmt.Sprint(key(got)) != fmt.Sprint(key(want)) {
		t.Errorf("%s = %v, want %v", what, key(got), key(want))
		return
	}
	for i := range want {
		checkBinding(t, got[i], want[i])
	}
}

// bindingWorld makes an app with users 1..users and a product with devices
// 1..devices.
func bindingWorld(t *testing.T, s store.Store, users, devices int) {
	t.Helper()
	a := mustApp(t, s, 1)
	p := mustProduct(t, s, 1)
	for n := 1; n <= users; n++ {
		mustUser(t, s, newUser(n, a.ID, n))
	}
	for n := 1; n <= devices; n++ {
		mustRegister(t, s, newDevice(n, p.Key, n))
	}
}

// testBindings covers the Bindings interface.
func testBindings(t *testing.T, open opener) {
	t.Run("BindGet", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		bindingWorld(t, s, 2, 1)
		for _, b := range []store.Binding{newBinding(1, 1, 10, "owner"), newBinding(2, 1, 11, "normal")} {
			checkBinding(t, mustBind(t, s, b), b)
			checkBinding(t, getBinding(t, s, b.UID, b.DID), b)
		}
	})

	t.Run("BindExisting", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		// The role is Bind's decision: asking for "normal" on an unbound
		// device still makes the first user its owner.
		orig := mustBind(t, s, newBinding(1, 1, 10, "normal"))
		if orig.Role != "owner" {
			t.Fatalf("first binding's role = %q, want owner", orig.Role)
		}
		orig.Role = "owner"
		again := store.Binding{UID: orig.UID, DID: orig.DID, Remark: "r", Alias: "a", Label: "l", Role: "normal", CreatedAt: at(20)}
		got, created, err := s.Bind(ctx, again)
		if err != nil || created {
			t.Fatalf("Bind(again) = created %v, err %v; want existing", created, err)
		}
		checkBinding(t, got, orig)
		checkBinding(t, getBinding(t, s, orig.UID, orig.DID), orig)
	})

	t.Run("BindMissingUserOrDevice", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		for _, b := range []store.Binding{
			newBinding(2, 1, 1, "owner"), // unknown user
			newBinding(1, 2, 1, "owner"), // unknown device
			newBinding(2, 2, 1, "owner"), // both
		} {
			_, _, err := s.Bind(ctx, b)
			wantErr(t, fmt.Sprintf("Bind(%s, %s)", b.UID, b.DID), err, store.ErrNotFound)
			_, err = s.GetBinding(ctx, b.UID, b.DID)
			wantErr(t, "GetBinding after failed Bind", err, store.ErrNotFound)
		}
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 2)
		mustBind(t, s, newBinding(1, 1, 1, "owner"))
		for _, k := range [][2]int{{1, 2}, {2, 1}, {3, 3}} {
			_, err := s.GetBinding(ctx, userID(k[0]), did(k[1]))
			wantErr(t, fmt.Sprintf("GetBinding(user %d, device %d)", k[0], k[1]), err, store.ErrNotFound)
		}
	})

	t.Run("Unbind", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 2)
		gone := mustBind(t, s, newBinding(1, 1, 1, "owner"))
		kept := []store.Binding{
			mustBind(t, s, newBinding(1, 2, 2, "owner")),
			mustBind(t, s, newBinding(2, 1, 3, "normal")),
		}
		if err := s.Unbind(ctx, gone.UID, gone.DID); err != nil {
			t.Fatalf("Unbind: %v", err)
		}
		_, err := s.GetBinding(ctx, gone.UID, gone.DID)
		wantErr(t, "GetBinding(unbound)", err, store.ErrNotFound)
		wantErr(t, "Unbind(again)", s.Unbind(ctx, gone.UID, gone.DID), store.ErrNotFound)
		wantErr(t, "Unbind(never bound)", s.Unbind(ctx, userID(2), did(2)), store.ErrNotFound)
		for _, b := range kept {
			checkBinding(t, getBinding(t, s, b.UID, b.DID), b)
		}
		// Binding again is a new binding.
		rebound := newBinding(1, 1, 9, "normal")
		checkBinding(t, mustBind(t, s, rebound), rebound)
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 1)
		orig := mustBind(t, s, newBinding(1, 1, 1, "owner"))
		other := mustBind(t, s, newBinding(2, 1, 2, "normal"))
		// Only Remark, Alias and Label change; Role and CreatedAt are ignored.
		upd := store.Binding{UID: orig.UID, DID: orig.DID, Remark: "kitchen", Alias: "lamp", Label: "", Role: "normal", CreatedAt: at(50)}
		if err := s.UpdateBinding(ctx, upd); err != nil {
			t.Fatalf("UpdateBinding: %v", err)
		}
		want := orig
		want.Remark, want.Alias, want.Label = upd.Remark, upd.Alias, upd.Label
		checkBinding(t, getBinding(t, s, orig.UID, orig.DID), want)
		checkBinding(t, getBinding(t, s, other.UID, other.DID), other)

		missing := newBinding(1, 2, 1, "owner")
		wantErr(t, "UpdateBinding(missing)", s.UpdateBinding(ctx, missing), store.ErrNotFound)
		_, err := s.GetBinding(ctx, missing.UID, missing.DID)
		wantErr(t, "GetBinding after UpdateBinding(missing)", err, store.ErrNotFound)
	})

	t.Run("ListUser", func(t *testing.T) { testListUserBindings(t, open) })

	t.Run("ListDevice", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 5, 2)
		// Users 4 and 2 share a creation time: the uid decides.
		var want []store.Binding
		for _, b := range []store.Binding{
			newBinding(3, 1, 5, "owner"),
			newBinding(4, 1, 7, "normal"),
			newBinding(2, 1, 7, "normal"),
			newBinding(1, 1, 9, "normal"),
			newBinding(5, 2, 1, "owner"), // another device
		} {
			mustBind(t, s, b)
			if b.DID == did(1) {
				want = append(want, b)
			}
		}
		want[1], want[2] = want[2], want[1]
		got, err := s.ListDeviceBindings(ctx, did(1))
		checkBindingList(t, "ListDeviceBindings(device 1)", got, err, want)
		got, err = s.ListDeviceBindings(ctx, did(3))
		checkBindingList(t, "ListDeviceBindings(unknown device)", got, err, nil)
	})

	t.Run("DeleteDeviceCascades", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 2, 2)
		p := newProduct(1, 1)
		gone := []store.Binding{
			mustBind(t, s, newBinding(1, 1, 1, "owner")),
			mustBind(t, s, newBinding(2, 1, 2, "normal")),
		}
		kept := mustBind(t, s, newBinding(1, 2, 3, "owner"))
		if err := s.DeleteDevice(ctx, did(1)); err != nil {
			t.Fatalf("DeleteDevice: %v", err)
		}
		for _, b := range gone {
			_, err := s.GetBinding(ctx, b.UID, b.DID)
			wantErr(t, "GetBinding(deleted device)", err, store.ErrNotFound)
		}
		got, err := s.ListDeviceBindings(ctx, did(1))
		checkBindingList(t, "ListDeviceBindings(deleted device)", got, err, nil)
		got, err = s.ListUserBindings(ctx, userID(1), 0, 0)
		checkBindingList(t, "ListUserBindings(user 1)", got, err, []store.Binding{kept})
		got, err = s.ListUserBindings(ctx, userID(2), 0, 0)
		checkBindingList(t, "ListUserBindings(user 2)", got, err, nil)

		// The same product+mac registered again (same did) inherits nothing.
		mustRegister(t, s, newDevice(1, p.Key, 9))
		got, err = s.ListDeviceBindings(ctx, did(1))
		checkBindingList(t, "ListDeviceBindings(re-registered device)", got, err, nil)
		_, err = s.GetBinding(ctx, userID(1), did(1))
		wantErr(t, "GetBinding(re-registered device)", err, store.ErrNotFound)
	})

	t.Run("BindConcurrent", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		bindingWorld(t, s, 1, 1)
		const n = 8
		type result struct {
			b       store.Binding
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
				b := newBinding(1, 1, i, "owner")
				b.Remark = fmt.Sprintf("goroutine %d", i)
				<-start
				res[i].b, res[i].created, res[i].err = s.Bind(ctx, b)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, r := range res {
			if r.err != nil {
				t.Fatalf("goroutine %d: Bind: %v", i, r.err)
			}
			if r.created {
				if winner >= 0 {
					t.Fatalf("goroutines %d and %d both created the binding", winner, i)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no concurrent Bind reports created")
		}
		want := getBinding(t, s, userID(1), did(1))
		if want.Remark != fmt.Sprintf("goroutine %d", winner) {
			t.Errorf("stored binding is %q's, want the creator's (goroutine %d)", want.Remark, winner)
		}
		for _, r := range res {
			checkBinding(t, r.b, want)
		}
	})
}

// testListUserBindings covers ordering and paging of ListUserBindings.
func testListUserBindings(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	bindingWorld(t, s, 2, 6)
	// Inserted in neither did nor creation order; devices 4 and 5 share a
	// creation time, so the did tie-break decides between them.
	byDID := map[string]store.Binding{}
	for _, b := range []store.Binding{
		newBinding(1, 5, 2, "owner"),
		newBinding(1, 2, 1, "owner"),
		newBinding(1, 4, 2, "owner"),
		newBinding(1, 1, 3, "owner"),
		newBinding(1, 3, 0, "owner"),
		newBinding(2, 6, 0, "owner"), // another user
	} {
		mustBind(t, s, b)
		if b.UID == userID(1) {
			byDID[b.DID] = b
		}
	}
	cases := []struct {
		uid           string
		limit, offset int
		want          []int
	}{
		{userID(1), 0, 0, []int{3, 2, 4, 5, 1}},
		{userID(1), 2, 0, []int{3, 2}},
		{userID(1), 2, 2, []int{4, 5}},
		{userID(1), 0, 4, []int{1}},
		{userID(1), 0, 5, nil},
		{userID(1), 10, 3, []int{5, 1}},
		{userID(1), 1, 1, []int{2}},
		{userID(3), 0, 0, nil}, // no such user
	}
	for _, c := range cases {
		var want []store.Binding
		for _, n := range c.want {
			want = append(want, byDID[did(n)])
		}
		got, err := s.ListUserBindings(ctx, c.uid, c.limit, c.offset)
		checkBindingList(t, fmt.Sprintf("ListUserBindings(%s, limit %d, offset %d)", c.uid, c.limit, c.offset), got, err, want)
	}
}
