package relay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/relay"
)

// These tests play another node's relay by hand on the bus: a ghost that
// announces a phone app of the world's user and then behaves as a crashed,
// restarted or closing node would. The JSON is the relay's inter-node
// announcement (relay/nodes.go).

func (w *world) announce(t *testing.T, subject string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.node.Bus().Publish(context.Background(), subject, data); err != nil {
		t.Fatal(err)
	}
}

// ghostPhone announces, as relay "ghost", a phone app of the world's user
// with the world's certificate, in the ghost's state number ver.
func (w *world) ghostPhone(t *testing.T, ver int, connected bool) {
	t.Helper()
	state := map[string]any{"kind": "state", "from": "ghost", "uid": w.uid, "ver": ver}
	if connected {
		state["sessions"] = []map[string]any{{"id": "ghost-1", "pkg": pkg, "fp": w.cert.Fingerprint(), "since": time.Now().UnixNano()}}
	}
	w.announce(t, relay.SubjectUserRelay(w.uid), state)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func lastEvent(ep *endpoint) relay.Event {
	ev, _ := ep.snapshot()
	if len(ev) == 0 {
		return relay.Event{}
	}
	return ev[len(ev)-1]
}

// TestSilentNodeIsGivenUp: a phone app announced by a node that then
// falls silent (no heartbeat, no goodbye: it crashed) leaves the live set
// after three heartbeats; the watch sees onclose 1006 and its pair closed.
func TestSilentNodeIsGivenUp(t *testing.T) {
	w := newWorld(t, relay.Options{Heartbeat: 50 * time.Millisecond})
	wh, wep := w.watch(t, w.cert)
	w.ghostPhone(t, 1, true)
	eventually(t, "the watch hears its phone app on the other node", func() bool { return w.relay.Paired(wh) })
	if e := lastEvent(wep); e.Kind != relay.EventOpen {
		t.Fatalf("watch's last event = %+v, want open", e)
	}
	eventually(t, "the silent node's phone app to count as gone", func() bool { return !w.relay.Paired(wh) })
	if e := lastEvent(wep); e.Kind != relay.EventClose || e.Code != 1006 {
		t.Fatalf("watch's last event = %+v, want close 1006", e)
	}
	if err := w.relay.SendFromWatch(context.Background(), wh, "x"); err == nil {
		t.Fatal("send to the given-up phone app succeeded")
	}
}

// TestGoodbyeAndStaleStates: an older state of a node arriving after a
// newer one changes nothing, and a node's goodbye ends its sessions at
// once (onclose 1001).
func TestGoodbyeAndStaleStates(t *testing.T) {
	w := newWorld(t, relay.Options{Heartbeat: time.Hour})
	wh, wep := w.watch(t, w.cert)
	w.ghostPhone(t, 2, true)
	eventually(t, "the watch hears its phone app on the other node", func() bool { return w.relay.Paired(wh) })
	subject := relay.SubjectUserRelay(w.uid)
	// Published late: state 1 said the phone app ended with 4001.
	w.announce(t, subject, map[string]any{"kind": "state", "from": "ghost", "uid": w.uid, "ver": 1,
		"gone": []map[string]any{{"id": "ghost-1", "code": 4001, "text": "stale"}}})
	// State 3: the phone app reconnected on the ghost (1001, replaced).
	w.announce(t, subject, map[string]any{"kind": "state", "from": "ghost", "uid": w.uid, "ver": 3,
		"sessions": []map[string]any{{"id": "ghost-2", "pkg": pkg, "fp": w.cert.Fingerprint(), "since": time.Now().UnixNano()}},
		"gone":     []map[string]any{{"id": "ghost-1", "code": 1001, "text": "the phone app reconnected"}}})
	// The watch's first event says no phone app ever registered here.
	eventually(t, "the watch to see its phone app reconnect", func() bool { ev, _ := wep.snapshot(); return len(ev) >= 4 })
	ev, _ := wep.snapshot()
	if len(ev) != 4 || ev[1].Kind != relay.EventOpen || ev[2].Kind != relay.EventClose || ev[2].Code != 1001 || ev[3].Kind != relay.EventOpen {
		t.Fatalf("watch events = %+v, want error 1001, open, close 1001 (not the stale 4001), open", ev)
	}
	w.announce(t, "sb.relay.alive", map[string]any{"from": "ghost", "bye": true})
	eventually(t, "the closing node's phone app to count as gone", func() bool { return !w.relay.Paired(wh) })
	if e := lastEvent(wep); e.Kind != relay.EventClose || e.Code != 1001 {
		t.Fatalf("watch's last event = %+v, want close 1001", e)
	}
}

// TestReturningNodeIsAskedAgain: a node given up (a partition, a bus
// outage) that is heard again is asked for its sessions of every user this
// node holds, so states lost meanwhile are repaired.
func TestReturningNodeIsAskedAgain(t *testing.T) {
	w := newWorld(t, relay.Options{Heartbeat: 50 * time.Millisecond})
	wh, _ := w.watch(t, w.cert)
	var mu sync.Mutex
	var asks []map[string]any
	sub, err := w.node.Bus().Subscribe(relay.SubjectUserRelay(w.uid), func(_ string, data []byte) {
		var a map[string]any
		if json.Unmarshal(data, &a) == nil && a["ask"] == true {
			mu.Lock()
			asks = append(asks, a)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	w.ghostPhone(t, 1, true)
	eventually(t, "paired", func() bool { return w.relay.Paired(wh) })
	eventually(t, "given up", func() bool { return !w.relay.Paired(wh) })
	mu.Lock()
	before := len(asks)
	mu.Unlock()
	w.announce(t, "sb.relay.alive", map[string]any{"from": "ghost"})
	eventually(t, "an ask for the user's sessions", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(asks) > before
	})
	mu.Lock()
	got := fmt.Sprint(asks[len(asks)-1]["sessions"])
	mu.Unlock()
	if got == "<nil>" || got == "[]" {
		t.Fatalf("the ask lists no sessions: %s", got)
	}
	w.ghostPhone(t, 2, true) // the ghost answers
	eventually(t, "paired again", func() bool { return w.relay.Paired(wh) })
}
