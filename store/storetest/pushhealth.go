package storetest

import (
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// testPushHealth covers push health shared by nodes: counts added by
// several callers sum per bucket, buckets before the window are dropped,
// the warning clock moves only by compare-and-set, and it all goes with
// DeletePushHealth.
func testPushHealth(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	a, b := mustPartner(t, s, 2), mustPartner(t, s, 1)
	tally := func(app string, since int, want partners.PushTally) {
		t.Helper()
		got, err := s.PushTally(ctx, app, at(since))
		want.WarnedAt = zeroOrStored(want.WarnedAt)
		if err != nil || got != want {
			t.Fatalf("PushTally(since %d) = %+v, %v; want %+v", since, got, err, want)
		}
	}
	add := func(app string, counts []partners.PushCount, lastErr string, since int, want partners.PushTally) {
		t.Helper()
		got, err := s.AddPushCounts(ctx, app, counts, lastErr, at(since))
		want.WarnedAt = zeroOrStored(want.WarnedAt)
		if err != nil || got != want {
			t.Fatalf("AddPushCounts(%+v, %q) = %+v, %v; want %+v", counts, lastErr, got, err, want)
		}
	}
	tally(a.AppID, 0, partners.PushTally{})

	// Two nodes add to the same buckets: the counts sum.
	add(a.AppID, []partners.PushCount{{Bucket: at(10), Attempts: 5, Failed: 1}, {Bucket: at(20), Attempts: 3}}, "HTTP 500", 0,
		partners.PushTally{Attempts: 8, Failed: 1, LastError: "HTTP 500"})
	add(a.AppID, []partners.PushCount{{Bucket: at(20), Attempts: 4, Failed: 4}}, "", 0,
		partners.PushTally{Attempts: 12, Failed: 5, LastError: "HTTP 500"})
	add(b.AppID, []partners.PushCount{{Bucket: at(20), Attempts: 1, Failed: 1}}, "timeout", 0,
		partners.PushTally{Attempts: 1, Failed: 1, LastError: "timeout"})
	tally(a.AppID, 15, partners.PushTally{Attempts: 7, Failed: 4, LastError: "HTTP 500"}) // the window starts at since, inclusive
	tally(a.AppID, 20, partners.PushTally{Attempts: 7, Failed: 4, LastError: "HTTP 500"})

	// Adding drops the buckets before the window, for good.
	add(a.AppID, []partners.PushCount{{Bucket: at(30), Attempts: 1}}, "", 20,
		partners.PushTally{Attempts: 8, Failed: 4, LastError: "HTTP 500"})
	tally(a.AppID, 0, partners.PushTally{Attempts: 8, Failed: 4, LastError: "HTTP 500"})
	_, err := s.AddPushCounts(ctx, hexKey(99), []partners.PushCount{{Bucket: at(30), Attempts: 1}}, "", at(0))
	wantErr(t, "AddPushCounts(unknown partner)", err, store.ErrNotFound)

	// The warning clock: set from none once, moved only from its value.
	warn := func(app string, from, to time.Time, want bool) {
		t.Helper()
		if ok, err := s.SetPushWarning(ctx, app, from, to); err != nil || ok != want {
			t.Fatalf("SetPushWarning(%v -> %v) = %v, %v; want %v", from, to, ok, err, want)
		}
	}
	warn(a.AppID, time.Time{}, at(40), true)
	warn(a.AppID, time.Time{}, at(41), false) // another node warned first
	warn(b.AppID, time.Time{}, at(42), true)
	tally(a.AppID, 0, partners.PushTally{Attempts: 8, Failed: 4, WarnedAt: at(40), LastError: "HTTP 500"})
	warn(a.AppID, at(41), time.Time{}, false)
	warn(a.AppID, at(40), time.Time{}, true)
	warn(a.AppID, at(40), time.Time{}, false) // cleared already
	tally(a.AppID, 0, partners.PushTally{Attempts: 8, Failed: 4, LastError: "HTTP 500"})
	_, err = s.SetPushWarning(ctx, hexKey(99), time.Time{}, at(40))
	wantErr(t, "SetPushWarning(unknown partner)", err, store.ErrNotFound)
	// A warning survives adding counts and errors.
	add(b.AppID, nil, "HTTP 502", 0, partners.PushTally{Attempts: 1, Failed: 1, WarnedAt: at(42), LastError: "HTTP 502"})

	if err := s.DeletePushHealth(ctx, b.AppID); err != nil {
		t.Fatalf("DeletePushHealth: %v", err)
	}
	if err := s.DeletePushHealth(ctx, b.AppID); err != nil {
		t.Fatalf("DeletePushHealth(again): %v", err)
	}
	tally(b.AppID, 0, partners.PushTally{})
	tally(a.AppID, 0, partners.PushTally{Attempts: 8, Failed: 4, LastError: "HTTP 500"})
}

// zeroOrStored is stored(t), keeping the zero time zero.
func zeroOrStored(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return stored(t)
}
