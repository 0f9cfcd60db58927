package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// never is a time after every push the suite enqueues is due.
var never = at(1_000_000)

// mustPartner creates partner n and fails the test on error.
func mustPartner(t *testing.T, s Store, n int) partners.Partner {
	t.Helper()
	p := newPartner(n, n)
	if err := s.CreatePartner(t.Context(), p); err != nil {
		t.Fatalf("CreatePartner(%s): %v", p.AppID, err)
	}
	return p
}

// msgID is the MsgID of push n.
func msgID(n int) string { return fmt.Sprintf("msg-%04d", n) }

// newPush builds push n for partner app, created and due at at(sec).
func newPush(n int, app string, sec int) store.Push {
	return store.Push{
		MsgID:     msgID(n),
		AppID:     app,
		Payload:   []byte(fmt.Sprintf(`{"msgType": "resource_report", "n": %d}`, n)),
		CreatedAt: at(sec),
		NextAt:    at(sec),
	}
}

// checkPush compares a returned push with want; want.ID is compared only
// when set. Payloads compare as JSON values: an engine may keep them in a
// normalising JSON type.
func checkPush(t *testing.T, got, want store.Push) {
	t.Helper()
	if want.ID != 0 && got.ID != want.ID {
		t.Errorf("push %s ID = %d, want %d", want.MsgID, got.ID, want.ID)
	}
	if got.MsgID != want.MsgID || got.AppID != want.AppID || got.State != want.State ||
		got.Attempts != want.Attempts || got.LastError != want.LastError {
		t.Errorf("push = %s/%s state %d attempts %d error %q, want %s/%s state %d attempts %d error %q",
			got.MsgID, got.AppID, got.State, got.Attempts, got.LastError,
			want.MsgID, want.AppID, want.State, want.Attempts, want.LastError)
	}
	var g, w any
	if err := json.Unmarshal(got.Payload, &g); err != nil {
		t.Errorf("push %s payload %q: %v", want.MsgID, got.Payload, err)
	}
	if err := json.Unmarshal(want.Payload, &w); err != nil {
		t.Fatalf("bad test payload %q: %v", want.Payload, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("push %s payload = %s, want %s", want.MsgID, got.Payload, want.Payload)
	}
	checkTime(t, "push "+want.MsgID+" CreatedAt", got.CreatedAt, want.CreatedAt)
	if want.State == store.PushPending { // NextAt means nothing once done
		checkTime(t, "push "+want.MsgID+" NextAt", got.NextAt, want.NextAt)
	}
	checkTime(t, "push "+want.MsgID+" FailedAt", got.FailedAt, want.FailedAt)
	checkTime(t, "push "+want.MsgID+" DoneAt", got.DoneAt, want.DoneAt)
}

// checkMsgIDs fails unless got holds the pushes numbered want, in order,
// with increasing IDs.
func checkMsgIDs(t *testing.T, what string, got []store.Push, err error, want ...int) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	var g, w []string
	for _, p := range got {
		g = append(g, p.MsgID)
	}
	for _, n := range want {
		w = append(w, msgID(n))
	}
	if fmt.Sprint(g) != fmt.Sprint(w) {
		t.Errorf("%s = %v, want %v", what, g, w)
	}
}

// pending returns every pending push of app, due or not, by ID.
func pending(t *testing.T, s Store, app string) []store.Push {
	t.Helper()
	ps, err := s.DuePushes(t.Context(), app, never, 0)
	if err != nil {
		t.Fatalf("DuePushes(%s): %v", app, err)
	}
	return ps
}

// checkPending fails unless app's pending pushes are those numbered want.
func checkPending(t *testing.T, s Store, app string, want ...int) {
	t.Helper()
	ps, err := s.DuePushes(t.Context(), app, never, 0)
	checkMsgIDs(t, "pending pushes", ps, err, want...)
}

// mustEnqueue enqueues pushes and returns them by MsgID number with the
// IDs the store assigned.
func mustEnqueue(t *testing.T, s Store, pushes ...store.Push) map[int]store.Push {
	t.Helper()
	if err := s.EnqueuePushes(t.Context(), pushes); err != nil {
		t.Fatalf("EnqueuePushes: %v", err)
	}
	ids := map[string]int64{}   // by MsgID
	listed := map[string]bool{} // by AppID
	for _, p := range pushes {
		if !listed[p.AppID] {
			listed[p.AppID] = true
			for _, q := range pending(t, s, p.AppID) {
				ids[q.MsgID] = q.ID
			}
		}
	}
	byN := map[int]store.Push{}
	for _, p := range pushes {
		var n int
		if _, err := fmt.Sscanf(p.MsgID, "msg-%d", &n); err != nil {
			t.Fatalf("bad test MsgID %q", p.MsgID)
		}
		if p.ID = ids[p.MsgID]; p.ID == 0 {
			t.Fatalf("push %s is not pending after EnqueuePushes", p.MsgID)
		}
		byN[n] = p
	}
	return byN
}

// mustFail records failures.
func mustFail(t *testing.T, s Store, failures ...partners.PushFailure) {
	t.Helper()
	if err := s.PushesFailed(t.Context(), failures); err != nil {
		t.Fatalf("PushesFailed: %v", err)
	}
}

// mustDeliver records deliveries at at(sec).
func mustDeliver(t *testing.T, s Store, sec int, ids ...int64) {
	t.Helper()
	if err := s.PushesDelivered(t.Context(), ids, at(sec)); err != nil {
		t.Fatalf("PushesDelivered: %v", err)
	}
}

// failedPushes lists every push of app that ever failed, newest failure
// first.
func failedPushes(t *testing.T, s Store, app string) []store.Push {
	t.Helper()
	ps, err := s.FailedPushes(t.Context(), app, at(-1_000_000), 0, 0)
	if err != nil {
		t.Fatalf("FailedPushes(%s): %v", app, err)
	}
	return ps
}

// unknownPushID is an ID no push has.
const unknownPushID = int64(1) << 50

// testOutbox covers the Outbox interface and the pushes that ride along
// with other writes.
func testOutbox(t *testing.T, open opener) {
	t.Run("EnqueueDue", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p1, p2 := mustPartner(t, s, 1), mustPartner(t, s, 2)
		a := newPush(1, p1.AppID, 10)
		b := newPush(2, p2.AppID, 10)
		c := newPush(3, p1.AppID, 30)
		d := newPush(4, p1.AppID, 12)
		d.NextAt = at(5) // due before a, but enqueued after it
		// ID, State, Attempts and DoneAt are the store's.
		d.ID, d.State, d.Attempts, d.DoneAt = 77, store.PushDead, 5, at(6)
		if err := s.EnqueuePushes(ctx, []store.Push{a, b, c, d}); err != nil {
			t.Fatalf("EnqueuePushes: %v", err)
		}
		if err := s.EnqueuePushes(ctx, nil); err != nil {
			t.Fatalf("EnqueuePushes(none): %v", err)
		}

		got, err := s.DuePushes(ctx, p1.AppID, at(20), 0)
		checkMsgIDs(t, "DuePushes(at 20)", got, err, 1, 4) // by ID, not NextAt
		if len(got) == 2 {
			if got[0].ID == 0 || got[0].ID >= got[1].ID {
				t.Errorf("IDs = %d, %d; want assigned in enqueue order", got[0].ID, got[1].ID)
			}
			checkPush(t, got[0], a)
			wantD := d
			wantD.ID, wantD.State, wantD.Attempts, wantD.DoneAt = 0, store.PushPending, 0, time.Time{}
			checkPush(t, got[1], wantD)
		}
		// A push whose NextAt is now is due.
		got, err = s.DuePushes(ctx, p1.AppID, at(30), 0)
		checkMsgIDs(t, "DuePushes(at 30)", got, err, 1, 3, 4)
		got, err = s.DuePushes(ctx, p1.AppID, at(30), 2)
		checkMsgIDs(t, "DuePushes(at 30, limit 2)", got, err, 1, 3)
		got, err = s.DuePushes(ctx, p1.AppID, at(30), 1)
		checkMsgIDs(t, "DuePushes(at 30, limit 1)", got, err, 1)
		got, err = s.DuePushes(ctx, p1.AppID, at(4), 0)
		checkMsgIDs(t, "DuePushes(before any)", got, err)
		got, err = s.DuePushes(ctx, p2.AppID, at(30), 0)
		checkMsgIDs(t, "DuePushes(other partner)", got, err, 2)
		got, err = s.DuePushes(ctx, hexKey(9), never, 0)
		checkMsgIDs(t, "DuePushes(unknown partner)", got, err)
	})

	t.Run("Claim", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p1, p2 := mustPartner(t, s, 1), mustPartner(t, s, 2)
		if err := s.EnqueuePushes(ctx, []store.Push{newPush(1, p1.AppID, 10), newPush(2, p1.AppID, 11),
			newPush(3, p1.AppID, 30), newPush(4, p2.AppID, 10)}); err != nil {
			t.Fatalf("EnqueuePushes: %v", err)
		}
		got, err := s.ClaimPushes(ctx, p1.AppID, "node-a", at(20), at(100), 0)
		checkMsgIDs(t, "ClaimPushes(at 20)", got, err, 1, 2)
		// Leased: not due for anyone else until the lease ends.
		got, err = s.ClaimPushes(ctx, p1.AppID, "node-a", at(40), at(100), 0)
		checkMsgIDs(t, "ClaimPushes(at 40) while leased", got, err, 3)
		got, err = s.DuePushes(ctx, p1.AppID, at(99), 0)
		checkMsgIDs(t, "DuePushes(at 99) while leased", got, err)
		if next, ok, err := s.NextPushAt(ctx, p1.AppID); err != nil || !ok || !next.Equal(stored(at(100))) {
			t.Errorf("NextPushAt = %v, %v, %v; want the lease's end", next, ok, err)
		}
		// The claimer died: at the lease's end they are due again, once.
		got, err = s.ClaimPushes(ctx, p1.AppID, "node-a", at(100), at(200), 1)
		checkMsgIDs(t, "ClaimPushes(at 100, limit 1)", got, err, 1)
		// Settled pushes are never claimed again.
		if err := s.PushesDelivered(ctx, []int64{got[0].ID}, at(101)); err != nil {
			t.Fatal(err)
		}
		got, err = s.ClaimPushes(ctx, p1.AppID, "node-a", at(300), at(400), 0)
		checkMsgIDs(t, "ClaimPushes(at 300)", got, err, 2, 3)
		got, err = s.ClaimPushes(ctx, p2.AppID, "node-b", at(300), at(400), 0)
		checkMsgIDs(t, "ClaimPushes of the other partner", got, err, 4)
		// node-a restarts at 310: its claims (2, 3) are due at once, node-b's
		// (4) stay claimed.
		if n, err := s.ReleaseClaims(ctx, "node-a", at(310)); err != nil || n != 2 {
			t.Fatalf("ReleaseClaims(node-a) = %d, %v; want 2", n, err)
		}
		got, err = s.DuePushes(ctx, p1.AppID, at(310), 0)
		checkMsgIDs(t, "DuePushes after node-a's release", got, err, 2, 3)
		got, err = s.DuePushes(ctx, p2.AppID, at(310), 0)
		checkMsgIDs(t, "DuePushes of node-b's claim", got, err)
		// A failed attempt ends the claim: a release does not hurry its retry.
		claimed, err := s.ClaimPushes(ctx, p1.AppID, "node-a", at(320), at(400), 1)
		checkMsgIDs(t, "ClaimPushes(at 320, limit 1)", claimed, err, 2)
		if err := s.PushesFailed(ctx, []partners.PushFailure{{ID: claimed[0].ID, Attempts: 1, Error: "HTTP 500", At: at(321), NextAt: at(500)}}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.ReleaseClaims(ctx, "node-a", at(330)); err != nil || n != 0 {
			t.Fatalf("ReleaseClaims after the failure = %d, %v; want 0", n, err)
		}
	})

	t.Run("ClaimConcurrently", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		const n = 60
		var pushes []store.Push
		for i := range n {
			pushes = append(pushes, newPush(i+1, p.AppID, 10))
		}
		if err := s.EnqueuePushes(ctx, pushes); err != nil {
			t.Fatal(err)
		}
		// Four nodes claim small batches at once: every push goes to
		// exactly one of them.
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					got, err := s.ClaimPushes(ctx, p.AppID, "node-x", at(20), at(1000), 3)
					if err != nil {
						t.Errorf("ClaimPushes: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, g := range got {
						seen[g.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != n {
			t.Errorf("%d pushes claimed, want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("push %d claimed %d times", id, k)
			}
		}
	})

	t.Run("EnqueueAllOrNothing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p1, p2 := mustPartner(t, s, 1), mustPartner(t, s, 2)
		orig := newPush(1, p1.AppID, 1)
		mustEnqueue(t, s, orig)
		again := newPush(1, p1.AppID, 2)
		again.Payload = []byte(`{"impostor": true}`)
		otherPartner := newPush(1, p2.AppID, 2)
		for what, batch := range map[string][]store.Push{
			"taken MsgID":                    {newPush(2, p1.AppID, 2), again},
			"MsgID taken by another partner": {newPush(2, p1.AppID, 2), otherPartner},
			"MsgID twice in the batch":       {newPush(3, p1.AppID, 2), newPush(3, p1.AppID, 3)},
		} {
			wantErr(t, "EnqueuePushes("+what+")", s.EnqueuePushes(ctx, batch), store.ErrConflict)
		}
		wantErr(t, "EnqueuePushes(unknown partner)",
			s.EnqueuePushes(ctx, []store.Push{newPush(4, p1.AppID, 2), newPush(5, hexKey(9), 2)}), store.ErrNotFound)
		checkPending(t, s, p1.AppID, 1)
		checkPending(t, s, p2.AppID)
		if ps := pending(t, s, p1.AppID); len(ps) == 1 {
			checkPush(t, ps[0], orig)
		}
	})

	t.Run("WithPutStates", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		pr := mustProduct(t, s, 1)
		mustRegister(t, s, newDevice(1, pr.Key, 1))
		st := store.State{DID: did(1), Attrs: attrs(1, 1), UpdatedAt: at(10)}
		if err := s.PutStates(ctx, []store.State{st}, newPush(1, p.AppID, 10), newPush(2, p.AppID, 10)); err != nil {
			t.Fatalf("PutStates(with pushes): %v", err)
		}
		checkState(t, getState(t, s, did(1)), st)
		checkPending(t, s, p.AppID, 1, 2)

		// A state whose device is gone is skipped; its pushes are not.
		gone := store.State{DID: did(9), Attrs: attrs(9, 1), UpdatedAt: at(11)}
		if err := s.PutStates(ctx, []store.State{gone}, newPush(3, p.AppID, 11)); err != nil {
			t.Fatalf("PutStates(unknown device, with a push): %v", err)
		}
		if err := s.PutStates(ctx, nil, newPush(4, p.AppID, 12)); err != nil {
			t.Fatalf("PutStates(pushes only): %v", err)
		}
		checkPending(t, s, p.AppID, 1, 2, 3, 4)

		// One transaction: a push that cannot be enqueued takes the states
		// down with it.
		st2 := store.State{DID: did(1), Attrs: attrs(1, 2), UpdatedAt: at(20)}
		err := s.PutStates(ctx, []store.State{st2}, newPush(5, p.AppID, 20), newPush(1, p.AppID, 20))
		wantErr(t, "PutStates(taken MsgID)", err, store.ErrConflict)
		checkState(t, getState(t, s, did(1)), st)
		checkPending(t, s, p.AppID, 1, 2, 3, 4)
	})

	t.Run("WithDeviceWrites", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		pr := mustProduct(t, s, 1)
		d1 := mustRegister(t, s, newDevice(1, pr.Key, 1))
		d2 := mustRegister(t, s, newDevice(2, pr.Key, 2))
		if _, err := s.SetDeviceOnline(ctx, d1.DID, owner(1, 1), at(10), newPush(1, p.AppID, 10)); err != nil {
			t.Fatalf("SetDeviceOnline(with a push): %v", err)
		}
		d1.Online, d1.LastSeen, d1.Owner = true, at(10), owner(1, 1)
		checkDevice(t, getDevice(t, s, d1.DID), d1)
		checkPending(t, s, p.AppID, 1)

		// An unknown device writes nothing: push 2 is not enqueued (its
		// MsgID is used successfully below).
		_, err := s.SetDeviceOnline(ctx, did(9), owner(1, 2), at(11), newPush(2, p.AppID, 11))
		wantErr(t, "SetDeviceOnline(unknown device)", err, store.ErrNotFound)
		wantErr(t, "DeleteDevice(unknown device)",
			s.DeleteDevice(ctx, did(9), newPush(2, p.AppID, 11)), store.ErrNotFound)
		checkPending(t, s, p.AppID, 1)

		// A push that cannot be enqueued undoes the write.
		_, err = s.EndSessions(ctx, []store.SessionEnd{{DID: d1.DID, Owner: owner(1, 1), At: at(12), Pushes: []store.Push{newPush(1, p.AppID, 12)}}})
		wantErr(t, "EndSessions(taken MsgID)", err, store.ErrConflict)
		checkDevice(t, getDevice(t, s, d1.DID), d1)
		wantErr(t, "DeleteDevice(taken MsgID)",
			s.DeleteDevice(ctx, d2.DID, newPush(1, p.AppID, 12)), store.ErrConflict)
		checkDevice(t, getDevice(t, s, d2.DID), d2)

		if err := s.DeleteDevice(ctx, d2.DID, newPush(2, p.AppID, 13)); err != nil {
			t.Fatalf("DeleteDevice(with a push): %v", err)
		}
		_, err = s.GetDevice(ctx, d2.DID)
		wantErr(t, "GetDevice(deleted)", err, store.ErrNotFound)
		checkPending(t, s, p.AppID, 1, 2)
	})

	t.Run("WithBindings", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		bindingWorld(t, s, 2, 1)
		b := newBinding(1, 1, 10, "owner")
		if _, created, err := s.Bind(ctx, b, newPush(1, p.AppID, 10)); err != nil || !created {
			t.Fatalf("Bind(with a push) = created %v, %v", created, err)
		}
		checkPending(t, s, p.AppID, 1)

		// Binding again is no event: nothing is enqueued.
		if _, created, err := s.Bind(ctx, b, newPush(2, p.AppID, 11)); err != nil || created {
			t.Fatalf("Bind(existing, with a push) = created %v, %v; want existing", created, err)
		}
		_, _, err := s.Bind(ctx, newBinding(3, 1, 11, "normal"), newPush(2, p.AppID, 11))
		wantErr(t, "Bind(unknown user)", err, store.ErrNotFound)
		wantErr(t, "Unbind(absent)", s.Unbind(ctx, userID(2), did(1), newPush(2, p.AppID, 11)), store.ErrNotFound)
		checkPending(t, s, p.AppID, 1)

		// A push that cannot be enqueued undoes the binding change.
		_, _, err = s.Bind(ctx, newBinding(2, 1, 12, "normal"), newPush(1, p.AppID, 12))
		wantErr(t, "Bind(taken MsgID)", err, store.ErrConflict)
		_, err = s.GetBinding(ctx, userID(2), did(1))
		wantErr(t, "GetBinding after the failed Bind", err, store.ErrNotFound)
		wantErr(t, "Unbind(taken MsgID)", s.Unbind(ctx, b.UID, b.DID, newPush(1, p.AppID, 12)), store.ErrConflict)
		checkBinding(t, getBinding(t, s, b.UID, b.DID), b)

		if err := s.Unbind(ctx, b.UID, b.DID, newPush(2, p.AppID, 13)); err != nil {
			t.Fatalf("Unbind(with a push): %v", err)
		}
		_, err = s.GetBinding(ctx, b.UID, b.DID)
		wantErr(t, "GetBinding(unbound)", err, store.ErrNotFound)
		checkPending(t, s, p.AppID, 1, 2)
	})

	t.Run("Delivered", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		ps := mustEnqueue(t, s, newPush(1, p.AppID, 10), newPush(2, p.AppID, 11), newPush(3, p.AppID, 12))
		mustFail(t, s, partners.PushFailure{ID: ps[2].ID, Attempts: 1, Error: "HTTP 503", At: at(20), NextAt: at(25)})
		mustDeliver(t, s, 30, ps[1].ID, ps[2].ID, unknownPushID)
		if err := s.PushesDelivered(ctx, nil, at(31)); err != nil {
			t.Fatalf("PushesDelivered(none): %v", err)
		}
		checkPending(t, s, p.AppID, 3)

		// The push that failed before is kept, as delivered.
		failed := failedPushes(t, s, p.AppID)
		checkMsgIDs(t, "FailedPushes", failed, nil, 2)
		if len(failed) == 1 {
			want := ps[2]
			want.State, want.Attempts, want.LastError, want.FailedAt, want.DoneAt = store.PushDelivered, 1, "HTTP 503", at(20), at(30)
			checkPush(t, failed[0], want)
		}
		// The one that never failed is gone: its MsgID is free again, the
		// kept one's is not.
		if err := s.EnqueuePushes(ctx, []store.Push{newPush(1, p.AppID, 40)}); err != nil {
			t.Errorf("EnqueuePushes(MsgID of a push delivered at once): %v", err)
		}
		wantErr(t, "EnqueuePushes(MsgID of a kept push)",
			s.EnqueuePushes(ctx, []store.Push{newPush(2, p.AppID, 40)}), store.ErrConflict)
	})

	t.Run("Failed", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		ps := mustEnqueue(t, s, newPush(1, p.AppID, 10), newPush(2, p.AppID, 10), newPush(3, p.AppID, 10))
		mustFail(t, s,
			partners.PushFailure{ID: ps[1].ID, Attempts: 1, Error: "timeout", At: at(20), NextAt: at(40)},
			partners.PushFailure{ID: ps[2].ID, Attempts: 1, Error: "HTTP 500", At: at(21), NextAt: at(30)},
			partners.PushFailure{ID: unknownPushID, Attempts: 1, Error: "x", At: at(21), NextAt: at(30)})
		if err := s.PushesFailed(ctx, nil); err != nil {
			t.Fatalf("PushesFailed(none): %v", err)
		}
		got, err := s.DuePushes(ctx, p.AppID, at(29), 0)
		checkMsgIDs(t, "DuePushes(both backed off)", got, err, 3)
		got, err = s.DuePushes(ctx, p.AppID, at(30), 0)
		checkMsgIDs(t, "DuePushes(one due again)", got, err, 2, 3)
		got, err = s.DuePushes(ctx, p.AppID, at(40), 0)
		checkMsgIDs(t, "DuePushes(both due again)", got, err, 1, 2, 3)
		want1 := ps[1]
		want1.Attempts, want1.LastError, want1.FailedAt, want1.NextAt = 1, "timeout", at(20), at(40)
		if len(got) == 3 {
			checkPush(t, got[0], want1)
		}

		// A second failure keeps the first failure's time.
		mustFail(t, s, partners.PushFailure{ID: ps[1].ID, Attempts: 2, Error: "refused", At: at(45), NextAt: at(60)})
		want1.Attempts, want1.LastError, want1.NextAt = 2, "refused", at(60)
		if got := pending(t, s, p.AppID); len(got) == 3 {
			checkPush(t, got[0], want1)
		}

		// Giving up: the push is dead, done at the failure.
		mustFail(t, s, partners.PushFailure{ID: ps[2].ID, Attempts: 2, Error: "HTTP 404", At: at(50), NextAt: at(70), Dead: true})
		checkPending(t, s, p.AppID, 1, 3)
		want2 := ps[2]
		want2.State, want2.Attempts, want2.LastError, want2.FailedAt, want2.DoneAt = store.PushDead, 2, "HTTP 404", at(21), at(50)
		failed := failedPushes(t, s, p.AppID)
		checkMsgIDs(t, "FailedPushes", failed, nil, 2, 1)
		if len(failed) == 2 {
			checkPush(t, failed[0], want2)
			checkPush(t, failed[1], want1)
		}
	})

	t.Run("FailedPushes", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p1, p2 := mustPartner(t, s, 1), mustPartner(t, s, 2)
		ps := mustEnqueue(t, s,
			newPush(1, p1.AppID, 1), newPush(2, p1.AppID, 1), newPush(3, p1.AppID, 1),
			newPush(4, p1.AppID, 1), newPush(5, p1.AppID, 1), newPush(6, p1.AppID, 1),
			newPush(7, p2.AppID, 1))
		fail := func(n, sec int, dead bool) partners.PushFailure {
			return partners.PushFailure{ID: ps[n].ID, Attempts: 1, Error: fmt.Sprintf("err %d", n), At: at(sec), NextAt: at(sec + 5), Dead: dead}
		}
		// Pushes 2 and 3 first fail at the same time: the later ID comes
		// first, as for a newest-first list of the pushes.
		mustFail(t, s, fail(1, 10, false), fail(3, 20, false), fail(2, 20, false), fail(4, 30, false), fail(5, 40, true), fail(7, 25, false))
		mustDeliver(t, s, 31, ps[4].ID) // kept, as delivered; 6 never fails
		for _, c := range []struct {
			since         int
			limit, offset int
			want          []int
		}{
			{-1000, 0, 0, []int{5, 4, 3, 2, 1}},
			{20, 0, 0, []int{5, 4, 3, 2}}, // a first failure at since counts
			{21, 0, 0, []int{5, 4}},
			{41, 0, 0, nil},
			{-1000, 2, 0, []int{5, 4}},
			{-1000, 2, 2, []int{3, 2}},
			{-1000, 2, 4, []int{1}},
			{-1000, 0, 3, []int{2, 1}},
			{-1000, 0, 5, nil},
		} {
			got, err := s.FailedPushes(ctx, p1.AppID, at(c.since), c.limit, c.offset)
			checkMsgIDs(t, fmt.Sprintf("FailedPushes(since %d, limit %d, offset %d)", c.since, c.limit, c.offset), got, err, c.want...)
		}
		got, err := s.FailedPushes(ctx, p2.AppID, at(-1000), 0, 0)
		checkMsgIDs(t, "FailedPushes(other partner)", got, err, 7)
	})

	t.Run("NextAndCount", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p1, p2 := mustPartner(t, s, 1), mustPartner(t, s, 2)
		checkNext := func(app string, want time.Time, wantOK bool) {
			t.Helper()
			got, ok, err := s.NextPushAt(ctx, app)
			if err != nil || ok != wantOK {
				t.Errorf("NextPushAt(%s) = %v, %v, %v; want ok %v", app, got, ok, err, wantOK)
				return
			}
			if ok {
				checkTime(t, "NextPushAt", got, want)
			}
		}
		checkCount := func(want map[string]int64) {
			t.Helper()
			got, err := s.CountPendingPushes(ctx)
			if err != nil {
				t.Errorf("CountPendingPushes: %v", err)
				return
			}
			if len(got) != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("CountPendingPushes = %v, want %v", got, want)
			}
		}
		checkNext(p1.AppID, time.Time{}, false)
		checkCount(map[string]int64{})

		a, b, c := newPush(1, p1.AppID, 30), newPush(2, p1.AppID, 10), newPush(3, p1.AppID, 20)
		ps := mustEnqueue(t, s, a, b, c, newPush(4, p2.AppID, 5))
		checkNext(p1.AppID, at(10), true)
		checkNext(p2.AppID, at(5), true)
		checkCount(map[string]int64{p1.AppID: 3, p2.AppID: 1})

		mustDeliver(t, s, 11, ps[2].ID)
		checkNext(p1.AppID, at(20), true)
		mustFail(t, s, partners.PushFailure{ID: ps[3].ID, Attempts: 1, Error: "x", At: at(21), NextAt: at(50)})
		checkNext(p1.AppID, at(30), true)
		checkCount(map[string]int64{p1.AppID: 2, p2.AppID: 1}) // a failed push is still pending
		mustFail(t, s, partners.PushFailure{ID: ps[1].ID, Attempts: 1, Error: "x", At: at(31), Dead: true})
		checkNext(p1.AppID, at(50), true)
		mustDeliver(t, s, 51, ps[3].ID)
		checkNext(p1.AppID, time.Time{}, false)
		checkCount(map[string]int64{p2.AppID: 1}) // delivered and dead pushes are not pending
	})

	t.Run("Prune", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustPartner(t, s, 1)
		ps := mustEnqueue(t, s, newPush(1, p.AppID, 1), newPush(2, p.AppID, 1), newPush(3, p.AppID, 1),
			newPush(4, p.AppID, 1), newPush(5, p.AppID, 1))
		fail := func(n, sec int, dead bool) partners.PushFailure {
			return partners.PushFailure{ID: ps[n].ID, Attempts: 1, Error: "x", At: at(sec), NextAt: at(sec + 1), Dead: dead}
		}
		mustFail(t, s, fail(1, 10, false), fail(2, 20, true), fail(3, 5, false), fail(4, 40, false))
		mustDeliver(t, s, 41, ps[1].ID, ps[4].ID)
		// Now 1 (failed at 10) and 4 (at 40) are delivered, 2 (at 20) is
		// dead, 3 (at 5) failed but is pending, 5 never failed.
		prune := func(before, want int) {
			t.Helper()
			n, err := s.PrunePushes(ctx, at(before))
			if err != nil || n != want {
				t.Errorf("PrunePushes(before %d) = %d, %v; want %d", before, n, err, want)
			}
		}
		prune(20, 1) // strictly before: 2's first failure is at the cut-off
		checkMsgIDs(t, "FailedPushes after pruning", failedPushes(t, s, p.AppID), nil, 4, 2, 3)
		prune(1000, 2)
		checkMsgIDs(t, "FailedPushes after pruning", failedPushes(t, s, p.AppID), nil, 3)
		prune(1000, 0)
		checkPending(t, s, p.AppID, 3, 5)
	})
}

// testNonces: a nonce is fresh once per partner until it expires.
func testNonces(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	use := func(app, nonce string, now, exp int) bool {
		t.Helper()
		fresh, err := s.UseNonce(ctx, app, nonce, at(now), at(exp))
		if err != nil {
			t.Fatalf("UseNonce: %v", err)
		}
		return fresh
	}
	if !use("app-a", "n1", 0, 600) {
		t.Fatal("first use not fresh")
	}
	if use("app-a", "n1", 10, 610) {
		t.Fatal("replay within its lifetime reported fresh")
	}
	if !use("app-b", "n1", 10, 610) {
		t.Fatal("the same nonce of another partner reported as a replay")
	}
	if !use("app-a", "n1", 600, 1200) {
		t.Fatal("an expired nonce was not fresh again")
	}
	if use("app-a", "n1", 700, 1300) {
		t.Fatal("the renewed nonce was not recorded")
	}
	if n, err := s.PruneNonces(ctx, at(700)); err != nil || n != 1 {
		t.Fatalf("PruneNonces(700) = %d, %v; want app-b's one", n, err)
	}
	if use("app-a", "n1", 700, 1300) {
		t.Fatal("pruning removed an unexpired nonce")
	}
}
