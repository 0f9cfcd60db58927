package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// newSub builds the subscription of partner p to resource res of device d,
// through user u's binding.
func newSub(p, d int, res string, u int) partners.Subscription {
	return partners.Subscription{
		AppID:      hexKey(p),
		DID:        did(d),
		ResourceID: res,
		UID:        userID(u),
		Attach:     fmt.Sprintf(`{"from": "partner %d", "device": %d}`, p, d),
	}
}

// subKey orders subscriptions as ListSubscriptions does.
func subKey(a, b partners.Subscription) int {
	return cmp.Or(cmp.Compare(a.AppID, b.AppID), cmp.Compare(a.DID, b.DID), cmp.Compare(a.ResourceID, b.ResourceID))
}

// checkSubs compares subscriptions field for field, in order.
func checkSubs(t *testing.T, what string, got []partners.Subscription, err error, want []partners.Subscription) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s =\n%+v\nwant\n%+v", what, got, want)
	}
}

// checkAllSubs fails unless exactly want is stored, as ListSubscriptions
// and DeviceSubscriptions (of devices 1..devices) see it.
func checkAllSubs(t *testing.T, s Store, devices int, want ...partners.Subscription) {
	t.Helper()
	want = slices.Clone(want)
	slices.SortFunc(want, subKey)
	got, err := s.ListSubscriptions(t.Context())
	checkSubs(t, "ListSubscriptions", got, err, want)
	for d := 1; d <= devices; d++ {
		var wantDev []partners.Subscription
		for _, sub := range want {
			if sub.DID == did(d) {
				wantDev = append(wantDev, sub)
			}
		}
		got, err := s.DeviceSubscriptions(t.Context(), did(d))
		slices.SortFunc(got, subKey) // DeviceSubscriptions promises no order
		checkSubs(t, fmt.Sprintf("DeviceSubscriptions(device %d)", d), got, err, wantDev)
	}
}

// subscriptionWorld binds users 1 and 2 to devices 1 and 2 (and leaves
// device 3 unbound) and makes partners 1 and 2.
func subscriptionWorld(t *testing.T, s Store) {
	t.Helper()
	bindingWorld(t, s, 2, 3)
	for _, b := range []store.Binding{
		newBinding(1, 1, 1, "owner"), newBinding(1, 2, 2, "owner"), newBinding(2, 1, 3, "normal"),
	} {
		mustBind(t, s, b)
	}
	mustPartner(t, s, 1)
	mustPartner(t, s, 2)
}

// mustSubscribe subscribes subs.
func mustSubscribe(t *testing.T, s Store, subs ...partners.Subscription) {
	t.Helper()
	if err := s.Subscribe(t.Context(), subs); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
}

// testSubscriptions covers the Subscriptions interface.
func testSubscriptions(t *testing.T, open opener) {
	t.Run("SubscribeList", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		subscriptionWorld(t, s)
		checkAllSubs(t, s, 3)
		subs := []partners.Subscription{
			newSub(2, 1, "4.1.85", 2),
			newSub(1, 2, "4.1.85", 1),
			newSub(1, 1, "8.0.2001", 1),
			newSub(1, 1, "4.1.85", 1),
			newSub(2, 1, "0.4.85", 1),
		}
		mustSubscribe(t, s, subs...)
		if err := s.Subscribe(ctx, nil); err != nil {
			t.Fatalf("Subscribe(none): %v", err)
		}
		checkAllSubs(t, s, 3, subs...)

		// Subscribing again updates in place, here through another binding.
		again := newSub(2, 1, "4.1.85", 1)
		again.Attach = "new attach"
		mustSubscribe(t, s, again)
		subs[0] = again
		checkAllSubs(t, s, 3, subs...)
	})

	t.Run("SubscribeAllOrNothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		subscriptionWorld(t, s)
		kept := newSub(1, 1, "4.1.85", 1)
		mustSubscribe(t, s, kept)
		for what, bad := range map[string]partners.Subscription{
			"unbound device":  newSub(1, 3, "4.1.85", 1),
			"another's bind":  newSub(1, 2, "4.1.85", 2), // user 2 is not bound to device 2
			"unknown user":    newSub(1, 1, "4.1.85", 9),
			"unknown partner": newSub(9, 1, "4.1.85", 1),
		} {
			changed := kept
			changed.Attach = "changed"
			err := s.Subscribe(ctx, []partners.Subscription{newSub(2, 1, "4.1.85", 1), changed, bad})
			wantErr(t, "Subscribe(batch with "+what+")", err, store.ErrNotFound)
		}
		checkAllSubs(t, s, 3, kept)
	})

	t.Run("Unsubscribe", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		subscriptionWorld(t, s)
		a, b, c := newSub(1, 1, "4.1.85", 1), newSub(1, 1, "8.0.2001", 1), newSub(2, 2, "4.1.85", 1)
		mustSubscribe(t, s, a, b, c)
		// Attach and UID are ignored; absent subscriptions are skipped.
		gone := a
		gone.Attach, gone.UID = "whatever", userID(2)
		if err := s.Unsubscribe(ctx, []partners.Subscription{gone, newSub(2, 1, "4.1.85", 1), newSub(9, 3, "x", 9)}); err != nil {
			t.Fatalf("Unsubscribe: %v", err)
		}
		if err := s.Unsubscribe(ctx, nil); err != nil {
			t.Fatalf("Unsubscribe(none): %v", err)
		}
		checkAllSubs(t, s, 3, b, c)
	})

	t.Run("UnbindRemoves", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		subscriptionWorld(t, s)
		viaUser1 := newSub(1, 1, "4.1.85", 1)
		viaUser2 := newSub(2, 1, "4.1.85", 2)
		otherDevice := newSub(1, 2, "4.1.85", 1)
		mustSubscribe(t, s, viaUser1, viaUser2, otherDevice)
		// Only what was subscribed through the removed binding goes.
		if err := s.Unbind(ctx, userID(1), did(1)); err != nil {
			t.Fatalf("Unbind: %v", err)
		}
		checkAllSubs(t, s, 3, viaUser2, otherDevice)
		// Binding again subscribes nothing.
		mustBind(t, s, newBinding(1, 1, 9, "normal"))
		checkAllSubs(t, s, 3, viaUser2, otherDevice)

		if err := s.DeleteDevice(ctx, did(1)); err != nil {
			t.Fatalf("DeleteDevice: %v", err)
		}
		checkAllSubs(t, s, 3, otherDevice)
	})
}
