package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// owner is session seq of node "node-a" in its epoch.
func owner(epoch, seq int) store.SessionOwner {
	return store.SessionOwner{NodeID: "node-a", Epoch: int64(epoch), Seq: int64(seq)}
}

// setOnline starts owner's session, or ends it.
func setOnline(ctx context.Context, s store.Store, did string, online bool, o store.SessionOwner, at time.Time) error {
	if online {
		if _, err := s.SetDeviceOnline(ctx, did, o, at); err != nil {
			return fmt.Errorf("SetDeviceOnline: %w", err)
		}
		return nil
	}
	if _, err := s.EndSessions(ctx, []store.SessionEnd{{DID: did, Owner: o, At: at}}); err != nil {
		return fmt.Errorf("EndSessions: %w", err)
	}
	return nil
}

// endOne ends one session and reports whether it did.
func endOne(t *testing.T, s store.Store, did string, o store.SessionOwner, sec int, pushes ...store.Push) bool {
	t.Helper()
	ended, err := s.EndSessions(t.Context(), []store.SessionEnd{{DID: did, Owner: o, At: at(sec), Pushes: pushes}})
	if err != nil || len(ended) != 1 {
		t.Fatalf("EndSessions(%s, %+v) = %v, %v", did, o, ended, err)
	}
	return ended[0]
}

// startOne starts one session and returns wasOnline.
func startOne(t *testing.T, s store.Store, did string, o store.SessionOwner, sec int, pushes ...store.Push) bool {
	t.Helper()
	was, err := s.SetDeviceOnline(t.Context(), did, o, at(sec), pushes...)
	if err != nil {
		t.Fatalf("SetDeviceOnline(%s, %+v): %v", did, o, err)
	}
	return was
}

// testSessions covers the online state: SetDeviceOnline, StartSessions, the
// compare-and-set of EndSessions in both orders and concurrently,
// StaleSessions and StartNode.
func testSessions(t *testing.T, open opener) {
	t.Run("OnlineThenOffline", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		want := mustRegister(t, s, newDevice(1, p.Key, 1))
		if !want.LastSeen.IsZero() || want.Online || want.Owner != (store.SessionOwner{}) {
			t.Fatalf("new device = %+v; want offline, never seen, no owner", want)
		}
		if startOne(t, s, want.DID, owner(1, 1), 10) {
			t.Error("SetDeviceOnline on an offline device reports it was online")
		}
		want.Online, want.LastSeen, want.Owner = true, at(10), owner(1, 1)
		checkDevice(t, getDevice(t, s, want.DID), want)
		if !endOne(t, s, want.DID, owner(1, 1), 20) {
			t.Fatal("the owner's end did not end its session")
		}
		want.Online, want.LastSeen = false, at(20) // the owner stays: a late repeat is a no-op
		checkDevice(t, getDevice(t, s, want.DID), want)
		if endOne(t, s, want.DID, owner(1, 1), 30) {
			t.Error("ending an ended session ended it again")
		}
		checkDevice(t, getDevice(t, s, want.DID), want)

		_, err := s.SetDeviceOnline(ctx, did(2), owner(1, 2), at(40))
		wantErr(t, "SetDeviceOnline(missing)", err, store.ErrNotFound)
		if endOne(t, s, did(2), owner(1, 2), 40) {
			t.Error("EndSessions(missing device) reports it ended")
		}
	})

	t.Run("StaleOfflineAfterNewerOnline", func(t *testing.T) {
		// A takeover's new session writes online before the old session's
		// end arrives: the old end must not take the device offline.
		t.Parallel()
		s := open(t)
		p := mustProduct(t, s, 1)
		want := mustRegister(t, s, newDevice(1, p.Key, 1))
		startOne(t, s, want.DID, owner(1, 1), 10)
		if !startOne(t, s, want.DID, owner(1, 2), 11) {
			t.Error("a takeover's SetDeviceOnline reports the device was offline")
		}
		if endOne(t, s, want.DID, owner(1, 1), 12) {
			t.Error("the replaced session's end took the device offline")
		}
		// Another node, or an older life of this one, with the same seq.
		for _, o := range []store.SessionOwner{owner(2, 2), {NodeID: "node-b", Epoch: 1, Seq: 2}} {
			if endOne(t, s, want.DID, o, 12) {
				t.Errorf("end by %+v took over the owner's session", o)
			}
		}
		want.Online, want.LastSeen, want.Owner = true, at(11), owner(1, 2)
		checkDevice(t, getDevice(t, s, want.DID), want)
		if !endOne(t, s, want.DID, owner(1, 2), 13) {
			t.Error("the owner's end did not end its session")
		}
	})

	t.Run("OfflineThenNewerOnline", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		p := mustProduct(t, s, 1)
		want := mustRegister(t, s, newDevice(1, p.Key, 1))
		startOne(t, s, want.DID, owner(1, 1), 10)
		if !endOne(t, s, want.DID, owner(1, 1), 11) {
			t.Fatal("the owner's end did not end its session")
		}
		if startOne(t, s, want.DID, owner(1, 2), 12) {
			t.Error("SetDeviceOnline after the end reports the device was online")
		}
		want.Online, want.LastSeen, want.Owner = true, at(12), owner(1, 2)
		checkDevice(t, getDevice(t, s, want.DID), want)
	})

	t.Run("PushesOnlyOnChange", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		pa := mustPartner(t, s, 1)
		p := mustProduct(t, s, 1)
		d := mustRegister(t, s, newDevice(1, p.Key, 1))
		startOne(t, s, d.DID, owner(1, 1), 10, newPush(1, pa.AppID, 10))
		startOne(t, s, d.DID, owner(1, 2), 11, newPush(2, pa.AppID, 11)) // takeover: no news
		endOne(t, s, d.DID, owner(1, 1), 12, newPush(3, pa.AppID, 12))   // stale: no news
		checkPending(t, s, pa.AppID, 1)
		endOne(t, s, d.DID, owner(1, 2), 13, newPush(4, pa.AppID, 13))
		checkPending(t, s, pa.AppID, 1, 4)
		// The MsgIDs that were not enqueued are free.
		startOne(t, s, d.DID, owner(1, 3), 14, newPush(2, pa.AppID, 14))
		checkPending(t, s, pa.AppID, 1, 4, 2) // in enqueue order
	})

	t.Run("EndBatch", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		pa := mustPartner(t, s, 1)
		p := mustProduct(t, s, 1)
		for n := 1; n <= 3; n++ {
			mustRegister(t, s, newDevice(n, p.Key, n))
			startOne(t, s, did(n), owner(1, n), 10)
		}
		ended, err := s.EndSessions(ctx, []store.SessionEnd{
			{DID: did(1), Owner: owner(1, 1), At: at(20), Pushes: []store.Push{newPush(1, pa.AppID, 20)}},
			{DID: did(2), Owner: owner(1, 9), At: at(20), Pushes: []store.Push{newPush(2, pa.AppID, 20)}},
			{DID: did(9), Owner: owner(1, 9), At: at(20), Pushes: []store.Push{newPush(3, pa.AppID, 20)}},
			{DID: did(3), Owner: owner(1, 3), At: at(21), Pushes: []store.Push{newPush(4, pa.AppID, 21)}},
		})
		if err != nil || fmt.Sprint(ended) != "[true false false true]" {
			t.Fatalf("EndSessions = %v, %v; want [true false false true]", ended, err)
		}
		checkPending(t, s, pa.AppID, 1, 4)
		for n, online := range map[int]bool{1: false, 2: true, 3: false} {
			if d := getDevice(t, s, did(n)); d.Online != online {
				t.Errorf("device %d online = %v, want %v", n, d.Online, online)
			}
		}
		// A push that cannot be enqueued rolls back the whole batch.
		startOne(t, s, did(1), owner(1, 11), 30)
		_, err = s.EndSessions(ctx, []store.SessionEnd{
			{DID: did(1), Owner: owner(1, 11), At: at(31)},
			{DID: did(2), Owner: owner(1, 2), At: at(31), Pushes: []store.Push{newPush(1, pa.AppID, 31)}},
		})
		wantErr(t, "EndSessions(taken MsgID)", err, store.ErrConflict)
		for _, n := range []int{1, 2} {
			if !getDevice(t, s, did(n)).Online {
				t.Errorf("device %d went offline in a rolled-back batch", n)
			}
		}
	})

	t.Run("StartBatch", func(t *testing.T) {
		// One transaction for many connects: each entry is SetDeviceOnline,
		// a missing device is reported and skipped, entries of one did
		// apply in order (the second is a takeover of the first).
		t.Parallel()
		s, ctx := open(t), t.Context()
		pa := mustPartner(t, s, 1)
		p := mustProduct(t, s, 1)
		for n := 1; n <= 3; n++ {
			mustRegister(t, s, newDevice(n, p.Key, n))
		}
		startOne(t, s, did(2), owner(1, 2), 10)
		got, err := s.StartSessions(ctx, []store.SessionStart{
			{DID: did(3), Owner: owner(1, 3), At: at(20), Pushes: []store.Push{newPush(1, pa.AppID, 20)}},
			{DID: did(2), Owner: owner(1, 4), At: at(20), Pushes: []store.Push{newPush(2, pa.AppID, 20)}},
			{DID: did(9), Owner: owner(1, 5), At: at(20), Pushes: []store.Push{newPush(3, pa.AppID, 20)}},
			{DID: did(1), Owner: owner(1, 6), At: at(21), Pushes: []store.Push{newPush(4, pa.AppID, 21)}},
			{DID: did(1), Owner: owner(1, 7), At: at(22), Pushes: []store.Push{newPush(5, pa.AppID, 22)}},
		})
		want := []store.SessionStarted{{Found: true}, {Found: true, WasOnline: true}, {}, {Found: true}, {Found: true, WasOnline: true}}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("StartSessions = %v, %v; want %v", got, err, want)
		}
		// Only the offline -> online changes; pushes of different devices
		// may be enqueued in any order (PostgreSQL locks rows in did order).
		due, err := s.DuePushes(ctx, pa.AppID, never, 0)
		slices.SortFunc(due, func(a, b store.Push) int { return strings.Compare(a.MsgID, b.MsgID) })
		checkMsgIDs(t, "pending pushes", due, err, 1, 4)
		for n, o := range map[int]store.SessionOwner{1: owner(1, 7), 2: owner(1, 4), 3: owner(1, 3)} {
			if d := getDevice(t, s, did(n)); !d.Online || d.Owner != o {
				t.Errorf("device %d = online %v, owner %+v; want online, owner %+v", n, d.Online, d.Owner, o)
			}
		}
		if endOne(t, s, did(1), owner(1, 6), 23) {
			t.Error("the batch's first session of a device, taken over by its second, ended it")
		}
		// A push that cannot be enqueued rolls back the whole batch.
		endOne(t, s, did(3), owner(1, 3), 24)
		got, err = s.StartSessions(ctx, []store.SessionStart{
			{DID: did(3), Owner: owner(1, 8), At: at(25)},
			{DID: did(1), Owner: owner(1, 9), At: at(25)},
		})
		if err != nil || len(got) != 2 {
			t.Fatalf("StartSessions = %v, %v", got, err)
		}
		endOne(t, s, did(3), owner(1, 8), 26)
		_, err = s.StartSessions(ctx, []store.SessionStart{
			{DID: did(2), Owner: owner(1, 10), At: at(27)},
			{DID: did(3), Owner: owner(1, 11), At: at(27), Pushes: []store.Push{newPush(1, pa.AppID, 27)}},
		})
		wantErr(t, "StartSessions(taken MsgID)", err, store.ErrConflict)
		if d := getDevice(t, s, did(2)); d.Owner != owner(1, 4) {
			t.Errorf("device 2's owner = %+v after a rolled-back batch, want %+v", d.Owner, owner(1, 4))
		}
		if getDevice(t, s, did(3)).Online {
			t.Error("device 3 went online in a rolled-back batch")
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Sessions of one device start and end at once from many
		// goroutines. The store serialises them: every on->off and off->on
		// change is reported exactly once and carries its push, so the
		// changes alternate, and the last session's end leaves the device
		// offline.
		t.Parallel()
		s, ctx := open(t), t.Context()
		pa := mustPartner(t, s, 1)
		p := mustProduct(t, s, 1)
		d := mustRegister(t, s, newDevice(1, p.Key, 1))
		const sessions = 32
		var (
			mu        sync.Mutex
			ons, offs int
			wg        sync.WaitGroup
			start     = make(chan struct{})
		)
		for i := range sessions {
			wg.Go(func() {
				<-start
				o := owner(1, i+1)
				was, err := s.SetDeviceOnline(ctx, d.DID, o, at(i), newPush(2*i+1, pa.AppID, i))
				if err != nil {
					t.Errorf("SetDeviceOnline: %v", err)
					return
				}
				ended, err := s.EndSessions(ctx, []store.SessionEnd{{DID: d.DID, Owner: o, At: at(i), Pushes: []store.Push{newPush(2*i+2, pa.AppID, i)}}})
				if err != nil {
					t.Errorf("EndSessions: %v", err)
					return
				}
				mu.Lock()
				if !was {
					ons++
				}
				if ended[0] {
					offs++
				}
				mu.Unlock()
			})
		}
		close(start)
		wg.Wait()
		if ons == 0 || ons != offs {
			t.Errorf("%d off->on and %d on->off changes; want as many of each, at least one", ons, offs)
		}
		if got := getDevice(t, s, d.DID); got.Online {
			t.Errorf("device online after every session ended: %+v", got)
		}
		due, err := s.DuePushes(ctx, pa.AppID, never, 0)
		if err != nil || len(due) != ons+offs {
			t.Errorf("%d pushes pending (%v), want one per change: %d", len(due), err, ons+offs)
		}
	})

	t.Run("Stale", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		owners := map[int]store.SessionOwner{
			1: owner(1, 1), 2: owner(1, 5), 3: owner(2, 1), 4: {NodeID: "node-b", Epoch: 1, Seq: 1},
			5: owner(1, 7), // ended below
			6: {},          // online from before owners were recorded
		}
		for n := 1; n <= 6; n++ {
			mustRegister(t, s, newDevice(n, p.Key, n))
			startOne(t, s, did(n), owners[n], 10)
		}
		endOne(t, s, did(5), owners[5], 11)
		mustRegister(t, s, newDevice(7, p.Key, 7)) // never online
		for _, c := range []struct {
			node  string
			epoch int64
			want  []int
		}{
			{"node-a", 1, []int{6}},
			{"node-a", 2, []int{1, 2, 6}},
			{"node-a", 3, []int{1, 2, 3, 6}},
			{"node-b", 2, []int{4, 6}},
			{"node-c", 9, []int{6}},
		} {
			ds, err := s.StaleSessions(ctx, c.node, c.epoch)
			if err != nil {
				t.Fatalf("StaleSessions(%s, %d): %v", c.node, c.epoch, err)
			}
			var got, want []string
			for _, d := range ds {
				got = append(got, d.DID)
				if d.Owner != owners[slices.Index(dids(7), d.DID)+1] {
					t.Errorf("stale device %s owner %+v, want %+v", d.DID, d.Owner, owners[slices.Index(dids(7), d.DID)+1])
				}
			}
			for _, n := range c.want {
				want = append(want, did(n))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("StaleSessions(%s, %d) = %v, want %v", c.node, c.epoch, got, want)
			}
		}
	})

	t.Run("StartNode", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		for want := int64(1); want <= 3; want++ {
			if got, err := s.StartNode(ctx, "node-a", at(int(want))); err != nil || got != want {
				t.Fatalf("StartNode(node-a) = %d, %v; want %d", got, err, want)
			}
		}
		if got, err := s.StartNode(ctx, "node-b", at(9)); err != nil || got != 1 {
			t.Fatalf("StartNode(node-b) = %d, %v; want 1", got, err)
		}
		const racers = 8
		epochs := make([]int64, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				var err error
				if epochs[i], err = s.StartNode(ctx, "node-c", at(10)); err != nil {
					t.Errorf("StartNode(node-c): %v", err)
				}
			})
		}
		wg.Wait()
		slices.Sort(epochs)
		for i, e := range epochs {
			if e != int64(i+1) {
				t.Fatalf("concurrent starts got epochs %v, want 1..%d once each", epochs, racers)
			}
		}
	})

	t.Run("Leases", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		lapsed := func(sec int) []store.NodeLife {
			t.Helper()
			got, err := s.LapsedNodes(ctx, at(sec))
			if err != nil {
				t.Fatalf("LapsedNodes: %v", err)
			}
			return got
		}
		a, _ := s.StartNode(ctx, "node-a", at(1))
		if got := lapsed(1000); len(got) != 0 {
			t.Fatalf("a life without a lease is lapsed: %v", got)
		}
		if err := s.RenewNode(ctx, "node-a", a, at(10)); err != nil {
			t.Fatalf("RenewNode: %v", err)
		}
		if err := s.RenewNode(ctx, "node-a", a+1, at(10)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RenewNode of a life not started = %v, want ErrNotFound", err)
		}
		if got := lapsed(10); len(got) != 0 {
			t.Fatalf("lapsed at its lease's end: %v", got)
		}
		if got := lapsed(11); len(got) != 1 || got[0] != (store.NodeLife{NodeID: "node-a", Epoch: a}) {
			t.Fatalf("LapsedNodes after the lease = %v, want node-a's life", got)
		}
		// Renewed in time after all: not reaped.
		if err := s.RenewNode(ctx, "node-a", a, at(20)); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ReapNode(ctx, "node-a", a, at(11)); err != nil || ok {
			t.Fatalf("ReapNode of a renewed life = %v, %v; want false", ok, err)
		}
		if ok, err := s.ReapNode(ctx, "node-a", a, at(21)); err != nil || !ok {
			t.Fatalf("ReapNode of a lapsed life = %v, %v; want true", ok, err)
		}
		if ok, _ := s.ReapNode(ctx, "node-a", a, at(21)); ok {
			t.Fatal("a life was reaped twice")
		}
		if got := lapsed(1000); len(got) != 0 {
			t.Fatalf("a reaped life is still lapsed: %v", got)
		}
		if err := s.RenewNode(ctx, "node-a", a, at(30)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RenewNode of a reaped life = %v, want ErrNotFound", err)
		}
		// The node's next start is a fresh life with a lease of its own.
		b, _ := s.StartNode(ctx, "node-a", at(40))
		if err := s.RenewNode(ctx, "node-a", b, at(50)); err != nil {
			t.Fatalf("RenewNode of the next life: %v", err)
		}
		if err := s.RenewNode(ctx, "node-a", a, at(50)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("RenewNode of the previous life = %v, want ErrNotFound", err)
		}
	})
}

// dids lists did(1)..did(n).
func dids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = did(i + 1)
	}
	return out
}
