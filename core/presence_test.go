package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
)

// Online and offline events alternate and follow the session that holds
// the device: a takeover by a newer session is not a change, the replaced
// session's end changes nothing, and only the holder's end is an offline.
func TestPresenceTransitions(t *testing.T) {
	n, st := newNode(t, time.Hour)
	ctx := context.Background()
	_, d := world(t, n)
	status := watch[core.DeviceEvent](t, n, core.SubjectStatus(d.DID))
	quiet := func(what string) {
		t.Helper()
		select {
		case ev := <-status:
			t.Fatalf("%s published %s", what, ev.Kind)
		case <-time.After(100 * time.Millisecond):
		}
	}

	first, err := n.DeviceOnline(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, status); ev.Kind != core.EventOnline || ev.DID != d.DID {
		t.Fatalf("first session: %+v, want online", ev)
	}
	second, err := n.DeviceOnline(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if second == first {
		t.Fatal("two sessions share an owner")
	}
	quiet("a takeover")

	// The replaced session ends after the newer one started.
	if err := n.DeviceOffline(ctx, d, first); err != nil {
		t.Fatal(err)
	}
	quiet("the replaced session's end")
	if !online(t, st, d.DID) {
		t.Fatal("the replaced session's end took the device offline")
	}

	if err := n.DeviceOffline(ctx, d, second); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, status); ev.Kind != core.EventOffline {
		t.Fatalf("holder's end: %+v, want offline", ev)
	}
	if online(t, st, d.DID) {
		t.Fatal("device still online in the store after its session ended")
	}
	// Ending it again (a duplicate disconnect) is not a second offline.
	if err := n.DeviceOffline(ctx, d, second); err != nil {
		t.Fatal(err)
	}
	quiet("a repeated end")
}
