package interconnect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ic "github.com/switchboard-iot/switchboard/adapter/interconnect"
	"github.com/switchboard-iot/switchboard/adminapi"
	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/memory"
	busnats "github.com/switchboard-iot/switchboard/bus/nats"
	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// twoNodes starts two nodes sharing one store and one bus, as nodes share
// PostgreSQL and NATS; the app and the product are the same on both.
func twoNodes(t *testing.T) (a, b *fixture) {
	t.Helper()
	bs := memory.New(memory.Options{})
	t.Cleanup(func() { _ = bs.Close() }) // after both nodes stopped
	return nodesOn(t, bs, bs)
}

// nodesOn starts two nodes sharing one store, node a on bus busA and node b
// on busB (the same bus, or two connections to one NATS).
func nodesOn(t *testing.T, busA, busB bus.Bus) (a, b *fixture) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	a = newFixture(t, func(c *server.Config) { c.Store, c.Bus = st, busA })
	srvB := testserver.Start(t, func(c *server.Config) { c.Store, c.Bus = st, busB })
	b = &fixture{srv: srvB, appID: a.appID, productKey: a.productKey,
		url: "ws" + strings.TrimPrefix(srvB.HTTPURL, "http") + "/ws/interconnect/v1"}
	return a, b
}

// splitWorld is a user whose watch app connects to node a and whose phone
// app connects to node b.
func splitWorld(t *testing.T, a, b *fixture) *pairWorld {
	w := a.world(t)
	w.phoneAt = b
	return w
}

// watchAt dials the world's watch app on another node than its own.
func (w *pairWorld) watchAt(t *testing.T, f *fixture) *interconnect.Watch {
	t.Helper()
	cfg := w.watchCfg(w.cert)
	cfg.URL = f.url
	conn, err := interconnect.DialWatch(ctx(t), cfg)
	if err != nil {
		t.Fatalf("DialWatch: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// TestPairAcrossNodes: a watch app on one node and its phone app on
// another pair, whichever comes first; state, diagnosis, the phone's node
// calls and messages both ways (in order) work as on one node, and each
// side learns when the other leaves.
func TestPairAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)

	t.Run("phone first", func(t *testing.T) {
		w := splitWorld(t, a, b)
		phone, watch := w.pairUp(t)
		checkPaired(t, phone, watch, w.did)
		// Fewer than a pair queue holds (64): across nodes a sender does
		// not wait for a full queue, the message is dropped (§5).
		exchangeInOrder(t, phone, watch, w.did, 60)

		// The phone app quits: the watch sees onclose 1000; it comes back.
		phone.Close()
		expect(t, watch.Events(), "close", 1000)
		if err := watch.Send(ctx(t), `{}`); codeOf(err) != 1006 {
			t.Fatalf("watch Send with the phone gone = %v, want 1006", err)
		}
		phone = w.readyPhone(t)
		if e := expect(t, watch.Events(), "open", 0); !e.IsReconnected {
			t.Fatal("open after the phone came back has isReconnected false")
		}
		if e := skipTo(t, phone.Events(), "node"); e.Node != w.did || !e.Connected {
			t.Fatalf("phone event %+v, want node %s connected", e, w.did)
		}

		// The watch app leaves: the phone is told, and its sends fail -4.
		watch.Close()
		if e := skipTo(t, phone.Events(), "node"); e.Node != w.did || e.Connected {
			t.Fatalf("phone event %+v, want node %s disconnected", e, w.did)
		}
		if err := phone.SendMessage(ctx(t), w.did, []byte("late")); codeOf(err) != -4 {
			t.Fatalf("phone SendMessage to the gone watch = %v, want -4", err)
		}
	})

	t.Run("watch first", func(t *testing.T) {
		w := splitWorld(t, a, b)
		w.phone(t).Close() // registered once, so the watch waits for it
		watch := w.watch(t)
		if st, err := watch.ReadyState(ctx(t)); err != nil || st != 2 {
			t.Fatalf("ReadyState = %d, %v; want 2", st, err)
		}
		phone := w.readyPhone(t)
		expect(t, watch.Events(), "open", 0)
		if e := skipTo(t, phone.Events(), "node"); e.Node != w.did || !e.Connected {
			t.Fatalf("phone event %+v, want node %s connected", e, w.did)
		}
		if err := watch.Send(ctx(t), `"hi"`); err != nil {
			t.Fatal(err)
		}
		if e := skipTo(t, phone.Events(), "message"); e.Data != `"hi"` {
			t.Fatalf("phone got %+v", e)
		}
	})
}

// TestDiagnosisAcrossNodes: what the watch is told about a phone app on
// another node is as truthful as on one: a phone app with another
// certificate is a mismatch (1000) at once, and a diagnosis waiting for
// the phone app answers 0 when it connects to the other node.
func TestDiagnosisAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	w := splitWorld(t, a, b)
	w.phone(t).Close()
	wrong := w.phoneWith(t, newCert(t, "someone else"))
	watch := w.watch(t)
	expect(t, watch.Events(), "error", 1000)
	if st, msg, err := watch.Diagnosis(ctx(t), 5*time.Second); err != nil || st != 1000 {
		t.Fatalf("Diagnosis = %d %q, %v; want 1000 at once", st, msg, err)
	}
	wrong.Close()
	testserver.Eventually(t, waitFor, func() error {
		if st, _, err := watch.Diagnosis(ctx(t), 0); err != nil || st != 204 {
			return fmt.Errorf("Diagnosis = %d, %v; want 204 once the mismatched phone left", st, err)
		}
		return nil
	})

	const framesIn = `switchboard_messages_total{adapter="interconnect",direction="in"}`
	before := a.srv.Metric(t, framesIn)
	got := make(chan [2]any, 1)
	go func() {
		st, _, err := watch.Diagnosis(ctx(t), 8*time.Second)
		got <- [2]any{st, err}
	}()
	testserver.Eventually(t, waitFor, func() error {
		if n := a.srv.Metric(t, framesIn); n < before+1 {
			return fmt.Errorf("frames in %v, want %v", n, before+1)
		}
		return nil
	})
	w.phone(t)
	if r := <-got; r[1] != nil || r[0] != 0 {
		t.Fatalf("Diagnosis while the phone connects on the other node = %v; want 0", r)
	}
}

// TestReplacedAcrossNodes: a second session of the same app on another
// node replaces the first (4409, final), on either side; the peer sees it
// leave and come back, as on one node.
func TestReplacedAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)

	t.Run("watch", func(t *testing.T) {
		w := splitWorld(t, a, b)
		phone, first := w.pairUp(t)
		second := w.watchAt(t, b)
		e := within(t, first.Events(), waitFor, "closed")
		if e.Code != ic.CloseReplaced {
			t.Fatalf("first watch session closed with %+v, want %d", e, ic.CloseReplaced)
		}
		expect(t, second.Events(), "open", 0)
		if e := skipTo(t, phone.Events(), "node"); e.Connected {
			t.Fatalf("phone event %+v, want the replaced session leaving first", e)
		}
		if e := skipTo(t, phone.Events(), "node"); !e.Connected {
			t.Fatalf("phone event %+v, want the new session connected", e)
		}
		if err := second.Send(ctx(t), `"again"`); err != nil {
			t.Fatal(err)
		}
		if e := skipTo(t, phone.Events(), "message"); e.Data != `"again"` {
			t.Fatalf("phone got %+v", e)
		}
		noEvent(t, phone.Events()) // the old session's late leave said nothing more
	})

	t.Run("watch at once on both", func(t *testing.T) {
		w := splitWorld(t, a, b)
		phone := w.readyPhone(t)
		watches := make([]*interconnect.Watch, 2)
		done := make(chan struct{})
		for i, f := range []*fixture{a, b} {
			go func() {
				defer func() { done <- struct{}{} }()
				cfg := w.watchCfg(w.cert)
				cfg.URL = f.url
				conn, err := interconnect.DialWatch(ctx(t), cfg)
				if err != nil {
					t.Errorf("DialWatch: %v", err)
					return
				}
				t.Cleanup(func() { conn.CloseNow() })
				watches[i] = conn
			}()
		}
		<-done
		<-done
		if t.Failed() {
			t.FailNow()
		}
		// Exactly one survives: the other is closed 4409 and the survivor
		// stays paired.
		var survivor *interconnect.Watch
		select {
		case <-closedWith(t, watches[0], ic.CloseReplaced):
			survivor = watches[1]
		case <-closedWith(t, watches[1], ic.CloseReplaced):
			survivor = watches[0]
		case <-time.After(waitFor):
			t.Fatal("neither session was replaced")
		}
		// The survivor's node may learn of the phone on the other node a
		// moment after the race is decided (its ask is answered over the
		// bus): a client sends once its pair is open, as here.
		deadline := time.Now().Add(waitFor)
		for st, _ := survivor.ReadyState(ctx(t)); st != 1 && time.Now().Before(deadline); st, _ = survivor.ReadyState(ctx(t)) {
			time.Sleep(20 * time.Millisecond)
		}
		if err := survivor.Send(ctx(t), `"survivor"`); err != nil {
			t.Fatalf("survivor Send: %v", err)
		}
		if e := skipTo(t, phone.Events(), "message"); e.Data != `"survivor"` {
			t.Fatalf("phone got %+v", e)
		}
		if st, err := survivor.ReadyState(ctx(t)); err != nil || st != 1 {
			t.Fatalf("survivor ReadyState = %d, %v; want 1", st, err)
		}
	})

	t.Run("phone", func(t *testing.T) {
		w := splitWorld(t, a, b)
		first, watch := w.pairUp(t) // phone on b
		w.phoneAt = a
		second := w.readyPhone(t)
		e := within(t, first.Events(), waitFor, "closed")
		if e.Code != ic.CloseReplaced {
			t.Fatalf("first phone session closed with %+v, want %d", e, ic.CloseReplaced)
		}
		expect(t, watch.Events(), "close", 1001)
		expect(t, watch.Events(), "open", 0)
		if err := watch.Send(ctx(t), `"to the new one"`); err != nil {
			t.Fatal(err)
		}
		if e := skipTo(t, second.Events(), "message"); e.Data != `"to the new one"` {
			t.Fatalf("second phone got %+v", e)
		}
		if err := watch.Ping(ctx(t)); err != nil {
			t.Fatal(err)
		}
		noEvent(t, watch.Events())
	})
}

// TestAccessEndsAcrossNodes: revoking the phone app's tokens or unbinding
// the watch, on whichever node, ends the session on its own node (4401),
// and its peer on the other node sees the ordinary disconnect.
func TestAccessEndsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	bg := context.Background()

	t.Run("revoke tokens", func(t *testing.T) {
		w := splitWorld(t, a, b)
		phone, watch := w.pairUp(t)
		if _, err := a.srv.Admin.RevokeUserTokens(bg, w.uid); err != nil { // on the watch's node
			t.Fatal(err)
		}
		ended(t, phone.Events(), endWithin, core.AccessTokensRevoked)
		phoneGone(t, w, phone, watch)
	})

	t.Run("unbind", func(t *testing.T) {
		w := splitWorld(t, a, b)
		phone, watch := w.pairUp(t)
		if err := b.node().Unbind(bg, w.uid, w.did); err != nil { // on the phone's node
			t.Fatal(err)
		}
		ended(t, watch.Events(), endWithin, "device unbound")
		watchGone(t, w, phone, watch)
	})
}

// TestNodeShutdownAcrossNodes: the phone app's node shuts down; the watch
// on the other node sees onclose 1001 (going away), as on one node.
func TestNodeShutdownAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	w := splitWorld(t, a, b)
	_, watch := w.pairUp(t)
	b.srv.Stop(t)
	expect(t, watch.Events(), "close", 1001)
	if st, err := watch.ReadyState(ctx(t)); err != nil || st != 2 {
		t.Fatalf("ReadyState = %d, %v; want 2", st, err)
	}
}

// TestPairAcrossNodesOverNATS: the same pairing with each node on its own
// connection to a NATS server, as in production: events and messages both
// ways, and the watch's leave.
func TestPairAcrossNodesOverNATS(t *testing.T) {
	srv := natstest.Start(t)
	conn := func(name string) bus.Bus {
		b, err := busnats.Connect(busnats.Options{URL: srv.URL(), Name: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		return b
	}
	a, b := nodesOn(t, conn("node a"), conn("node b"))
	w := splitWorld(t, a, b)
	phone, watch := w.pairUp(t)
	if err := watch.Send(ctx(t), `{"to":"phone"}`); err != nil {
		t.Fatal(err)
	}
	if e := skipTo(t, phone.Events(), "message"); e.Node != w.did || e.Data != `{"to":"phone"}` {
		t.Fatalf("phone got %+v", e)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("to watch")); err != nil {
		t.Fatal(err)
	}
	if e := skipTo(t, watch.Events(), "message"); e.Data != "to watch" {
		t.Fatalf("watch got %+v", e)
	}
	watch.Close()
	if e := skipTo(t, phone.Events(), "node"); e.Node != w.did || e.Connected {
		t.Fatalf("phone event %+v, want node %s disconnected", e, w.did)
	}
}

// closedWith is closed once w's connection ends with code; it never is if
// it ends otherwise or not at all. It consumes w's events.
func closedWith(t *testing.T, w *interconnect.Watch, code int) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for e := range w.Events() {
			if e.Type == "closed" {
				if e.Code == code {
					close(ch)
				}
				return
			}
		}
	}()
	return ch
}

// adminPairs is GET /admin/v1/interconnect/pairs on node f.
func adminPairs(t *testing.T, f *fixture) []adminapi.InterconnectPair {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.HTTPURL+"/admin/v1/interconnect/pairs", nil)
	req.Header.Set("Authorization", "Bearer "+f.srv.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body adminapi.InterconnectPairList
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&body) != nil {
		t.Fatalf("pairs: status %d", resp.StatusCode)
	}
	return body.Pairs
}

// TestAdminPairsAcrossNodes: the admin pairs view of any node shows a
// pair's live state and current totals, also when both apps are on
// another node (which the answering node asks: its census) or split.
func TestAdminPairsAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	onA := a.world(t) // both apps on node a
	phone, watch := onA.pairUp(t)
	if err := watch.Send(ctx(t), `"w"`); err != nil {
		t.Fatal(err)
	}
	skipTo(t, phone.Events(), "message")
	split := splitWorld(t, a, b)
	split.pairUp(t)
	for _, f := range []*fixture{a, b} {
		testserver.Eventually(t, waitFor, func() error {
			got := map[string]adminapi.InterconnectPair{}
			for _, p := range adminPairs(t, f) {
				got[p.UserID] = p
			}
			if p := got[onA.uid]; p.State != "paired" || p.WatchDID != onA.did || p.MessagesWatchToPhone != 1 {
				return fmt.Errorf("node %s shows the pair on node a as %+v, want paired with 1 message", f.srv.HTTPURL, p)
			}
			if p := got[split.uid]; p.State != "paired" || p.WatchDID != split.did {
				return fmt.Errorf("node %s shows the split pair as %+v, want paired", f.srv.HTTPURL, p)
			}
			return nil
		})
	}
	watch.Close()
	testserver.Eventually(t, waitFor, func() error {
		for _, p := range adminPairs(t, b) {
			if p.UserID == onA.uid && p.State != "phone_only" {
				return fmt.Errorf("node b shows %+v after the watch left node a, want phone_only", p)
			}
		}
		return nil
	})
}
