package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// newPartner builds partner n created at at(sec), push configured and
// unsigned.
func newPartner(n, sec int) partners.Partner {
	return partners.Partner{
		AppID:         hexKey(n),
		KeyID:         fmt.Sprintf("K.%016x", n),
		AppKey:        hexKey(3000 + n),
		Name:          fmt.Sprintf("partner %d", n),
		PushURL:       fmt.Sprintf("https://partner%d.example/aqara/push", n),
		PushAppKey:    hexKey(4000 + n),
		PushAppSecret: hexKey(5000 + n),
		UserAppID:     hexKey(6000 + n),
		CreatedAt:     at(sec),
	}
}

// checkPartner compares every field of a returned partner.
func checkPartner(t *testing.T, got, want partners.Partner) {
	t.Helper()
	g, w := got, want
	g.SuspendedAt, g.PushSuspendedAt, g.CreatedAt = time.Time{}, time.Time{}, time.Time{}
	w.SuspendedAt, w.PushSuspendedAt, w.CreatedAt = time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("partner = %+v\nwant      %+v", g, w)
	}
	checkTime(t, "partner "+want.AppID+" SuspendedAt", got.SuspendedAt, want.SuspendedAt)
	checkTime(t, "partner "+want.AppID+" PushSuspendedAt", got.PushSuspendedAt, want.PushSuspendedAt)
	checkTime(t, "partner "+want.AppID+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// testPartners covers the Partners interface.
func testPartners(t *testing.T, open opener) {
	// A created partner reads back field for field, whatever its settings.
	for name, tweak := range map[string]func(*partners.Partner){
		"CreateGet":       func(p *partners.Partner) { p.PushSign = true },
		"CreateNoPushURL": func(p *partners.Partner) { p.PushURL = "" },
		"CreateNoUserApp": func(p *partners.Partner) { p.UserAppID = "" },
		"CreateSuspended": func(p *partners.Partner) {
			p.Suspended, p.SuspendedReason, p.SuspendedAt = true, "by hand", at(7)
			p.PushSuspended, p.PushSuspendedReason, p.PushSuspendedAt = true, "5% rule", at(8)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, ctx := open(t), t.Context()
			p := newPartner(1, 5)
			tweak(&p)
			if err := s.CreatePartner(ctx, p); err != nil {
				t.Fatalf("CreatePartner: %v", err)
			}
			got, err := s.GetPartner(ctx, p.AppID)
			if err != nil {
				t.Fatalf("GetPartner: %v", err)
			}
			checkPartner(t, got, p)
		})
	}

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		if err := s.CreatePartner(ctx, newPartner(1, 1)); err != nil {
			t.Fatalf("CreatePartner: %v", err)
		}
		_, err := s.GetPartner(ctx, hexKey(2))
		wantErr(t, "GetPartner(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateDuplicate", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := newPartner(1, 1)
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatalf("CreatePartner: %v", err)
		}
		dup := newPartner(1, 9)
		dup.AppKey, dup.Name = hexKey(99), "impostor"
		wantErr(t, "CreatePartner(duplicate)", s.CreatePartner(ctx, dup), store.ErrConflict)
		got, err := s.GetPartner(ctx, p.AppID)
		if err != nil {
			t.Fatalf("GetPartner: %v", err)
		}
		checkPartner(t, got, p)
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		if ps, err := s.ListPartners(ctx); err != nil || len(ps) != 0 {
			t.Fatalf("ListPartners(empty) = %v, %v; want none", ps, err)
		}
		// 4 and 2 share a creation time: the appId breaks the tie.
		want := []partners.Partner{newPartner(3, 1), newPartner(2, 2), newPartner(4, 2), newPartner(1, 3)}
		for _, i := range []int{3, 2, 0, 1} {
			if err := s.CreatePartner(ctx, want[i]); err != nil {
				t.Fatalf("CreatePartner: %v", err)
			}
		}
		got, err := s.ListPartners(ctx)
		if err != nil {
			t.Fatalf("ListPartners: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("ListPartners returned %d partners, want %d", len(got), len(want))
		}
		for i := range want {
			checkPartner(t, got[i], want[i])
		}
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := newPartner(1, 1)
		if err := s.CreatePartner(ctx, p); err != nil {
			t.Fatalf("CreatePartner: %v", err)
		}
		// Only Name, PushURL, PushSign and UserAppID change; the rest of u
		// is ignored.
		u := newPartner(1, 50)
		u.Name, u.PushURL, u.PushSign, u.UserAppID = "renamed", "http://other.example:8080/push?x=1", true, hexKey(77)
		u.KeyID, u.AppKey, u.PushAppKey, u.PushAppSecret = "K.changed", "changed", "changed", "changed"
		u.Suspended, u.SuspendedReason, u.SuspendedAt = true, "ignored", at(60)
		u.PushSuspended, u.PushSuspendedReason, u.PushSuspendedAt = true, "ignored", at(61)
		if err := s.UpdatePartner(ctx, u); err != nil {
			t.Fatalf("UpdatePartner: %v", err)
		}
		want := p
		want.Name, want.PushURL, want.PushSign, want.UserAppID = u.Name, u.PushURL, u.PushSign, u.UserAppID
		got, err := s.GetPartner(ctx, p.AppID)
		if err != nil {
			t.Fatalf("GetPartner: %v", err)
		}
		checkPartner(t, got, want)

		want.PushURL, want.PushSign, want.UserAppID = "", false, ""
		if err := s.UpdatePartner(ctx, want); err != nil {
			t.Fatalf("UpdatePartner(clear push): %v", err)
		}
		got, _ = s.GetPartner(ctx, p.AppID)
		checkPartner(t, got, want)

		wantErr(t, "UpdatePartner(missing)", s.UpdatePartner(ctx, newPartner(2, 1)), store.ErrNotFound)
	})

	// The operator's switch (Suspended) and the push switch (PushSuspended)
	// behave alike and independently.
	type setter func(s Store, ctx context.Context, appID string, on bool, reason string, at time.Time) error
	switches := []struct {
		name        string
		set, others setter
		mark        func(p *partners.Partner, reason string, at time.Time)
	}{
		{"Suspended",
			func(s Store, ctx context.Context, id string, on bool, r string, at time.Time) error {
				return s.SetPartnerSuspended(ctx, id, on, r, at)
			},
			func(s Store, ctx context.Context, id string, on bool, r string, at time.Time) error {
				return s.SetPartnerPushSuspended(ctx, id, on, r, at)
			},
			func(p *partners.Partner, r string, at time.Time) {
				p.Suspended, p.SuspendedReason, p.SuspendedAt = true, r, at
			}},
		{"PushSuspended",
			func(s Store, ctx context.Context, id string, on bool, r string, at time.Time) error {
				return s.SetPartnerPushSuspended(ctx, id, on, r, at)
			},
			func(s Store, ctx context.Context, id string, on bool, r string, at time.Time) error {
				return s.SetPartnerSuspended(ctx, id, on, r, at)
			},
			func(p *partners.Partner, r string, at time.Time) {
				p.PushSuspended, p.PushSuspendedReason, p.PushSuspendedAt = true, r, at
			}},
	}
	for _, sw := range switches {
		t.Run(sw.name, func(t *testing.T) {
			t.Parallel()
			s, ctx := open(t), t.Context()
			p := newPartner(1, 1)
			other := newPartner(2, 1)
			for _, x := range []partners.Partner{p, other} {
				if err := s.CreatePartner(ctx, x); err != nil {
					t.Fatalf("CreatePartner: %v", err)
				}
			}
			reason := "more than 5% of pushes failed in 5 minutes"
			if err := sw.set(s, ctx, p.AppID, true, reason, at(30)); err != nil {
				t.Fatalf("suspend: %v", err)
			}
			want := p
			sw.mark(&want, reason, at(30))
			got, err := s.GetPartner(ctx, p.AppID)
			if err != nil {
				t.Fatalf("GetPartner: %v", err)
			}
			checkPartner(t, got, want)
			got, _ = s.GetPartner(ctx, other.AppID)
			checkPartner(t, got, other)

			// The other switch, on and off, leaves this one alone.
			if err := sw.others(s, ctx, p.AppID, true, "other", at(35)); err != nil {
				t.Fatalf("other switch on: %v", err)
			}
			if err := sw.others(s, ctx, p.AppID, false, "", time.Time{}); err != nil {
				t.Fatalf("other switch off: %v", err)
			}
			got, _ = s.GetPartner(ctx, p.AppID)
			checkPartner(t, got, want)

			// Re-enabling clears reason and time whatever the caller passes.
			if err := sw.set(s, ctx, p.AppID, false, "left over", at(40)); err != nil {
				t.Fatalf("re-enable: %v", err)
			}
			got, _ = s.GetPartner(ctx, p.AppID)
			checkPartner(t, got, p)

			wantErr(t, "suspend(missing)", sw.set(s, ctx, hexKey(3), true, "x", at(1)), store.ErrNotFound)
		})
	}
}
