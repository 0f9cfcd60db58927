package interconnect_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestPairAndExchange: a phone app and a watch app with the same package
// and certificate pair; messages flow both ways in order; getReadyState
// and diagnosis report the open pair.
func TestPairAndExchange(t *testing.T) {
	w := newPairWorld(t)
	phone := w.readyPhone(t)
	watch := w.watch(t)
	expect(t, watch.Events(), "open", 0)
	if e := next(t, phone.Events()); e.Type != "node" || e.Node != w.did || !e.Connected {
		t.Fatalf("phone event = %+v, want node %s connected", e, w.did)
	}
	checkPaired(t, phone, watch, w.did)
	exchangeInOrder(t, phone, watch, w.did, 300) // order per pair, both directions at once
}

// checkPaired asserts the pair of phone and watch (did) is open as each
// side's API reports it.
func checkPaired(t *testing.T, phone *interconnect.Phone, watch *interconnect.Watch, did string) {
	t.Helper()
	if st, err := watch.ReadyState(ctx(t)); err != nil || st != 1 {
		t.Fatalf("ReadyState = %d, %v; want 1", st, err)
	}
	if st, _, err := watch.Diagnosis(ctx(t), time.Second); err != nil || st != 0 {
		t.Fatalf("Diagnosis = %d, %v; want 0", st, err)
	}
	nodes, err := phone.ConnectedNodes(ctx(t))
	if err != nil || len(nodes) != 1 || nodes[0].ID != did {
		t.Fatalf("ConnectedNodes = %+v, %v; want the watch %s", nodes, err, did)
	}
	if ok, err := phone.IsWearAppInstalled(ctx(t), did); err != nil || !ok {
		t.Fatalf("IsWearAppInstalled = %v, %v", ok, err)
	}
}

// exchangeInOrder sends n messages each way at once and asserts each side
// receives the other's in order.
func exchangeInOrder(t *testing.T, phone *interconnect.Phone, watch *interconnect.Watch, did string, n int) {
	t.Helper()
	errs := make(chan error, 2)
	go func() {
		for i := range n {
			if err := watch.Send(ctx(t), fmt.Sprintf(`{"seq":%d}`, i)); err != nil {
				errs <- fmt.Errorf("watch send %d: %w", i, err)
				return
			}
		}
		errs <- nil
	}()
	go func() {
		for i := range n {
			if err := phone.SendMessage(ctx(t), did, []byte(fmt.Sprintf("p%d", i))); err != nil {
				errs <- fmt.Errorf("phone send %d: %w", i, err)
				return
			}
		}
		errs <- nil
	}()
	for i := range n {
		if e := next(t, phone.Events()); e.Type != "message" || e.Node != did || e.Data != fmt.Sprintf(`{"seq":%d}`, i) {
			t.Fatalf("phone got %+v, want message seq %d", e, i)
		}
	}
	for i := range n {
		if e := next(t, watch.Events()); e.Type != "message" || e.Data != fmt.Sprintf("p%d", i) {
			t.Fatalf("watch got %+v, want p%d", e, i)
		}
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestFingerprintMismatchRefusesPairing: same package, other certificate:
// no open on the watch (error 1000, readyState 2, diagnosis 1000), and the
// phone's node calls fail with -6.
func TestFingerprintMismatchRefusesPairing(t *testing.T) {
	w := newPairWorld(t)
	other := newCert(t, "someone else")
	phone := w.phoneWith(t, other)
	watch := w.watch(t)
	e := expect(t, watch.Events(), "error", 1000)
	if e.Data == "" {
		t.Error("mismatch error without a message")
	}
	if st, err := watch.ReadyState(ctx(t)); err != nil || st != 2 {
		t.Fatalf("ReadyState = %d, %v; want 2", st, err)
	}
	if st, msg, err := watch.Diagnosis(ctx(t), 5*time.Second); err != nil || st != 1000 {
		t.Fatalf("Diagnosis = %d %q, %v; want 1000 at once", st, msg, err)
	}
	if err := watch.Send(ctx(t), `{}`); codeOf(err) != 1006 {
		t.Fatalf("watch Send = %v, want 1006", err)
	}
	if _, err := phone.RequestPermissions(ctx(t), w.did, interconnect.PermDeviceManager); codeOf(err) != -6 {
		t.Fatalf("RequestPermissions = %v, want -6", err)
	}
	if _, err := phone.IsWearAppInstalled(ctx(t), w.did); codeOf(err) != -6 {
		t.Fatalf("IsWearAppInstalled = %v, want -6", err)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("x")); codeOf(err) != -6 {
		t.Fatalf("SendMessage = %v, want -6", err)
	}
	// The phone sees the watch as a connected node (the link is up), but
	// never a node event for a pair that did not open.
	if err := phone.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	noEvent(t, phone.Events())

	// A phone app with the right certificate then pairs at once.
	right := w.phone(t)
	expect(t, watch.Events(), "open", 0)
	if e := next(t, right.Events()); e.Type != "node" || !e.Connected {
		t.Fatalf("right phone event %+v", e)
	}
}

// TestMismatchedPhoneArrivesLater: a watch waiting for its phone app is
// told (error 1000) when one with another certificate connects.
func TestMismatchedPhoneArrivesLater(t *testing.T) {
	w := newPairWorld(t)
	w.phone(t).Close() // registered once, with the right certificate
	watch := w.watch(t)
	if err := watch.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	noEvent(t, watch.Events())
	w.phoneWith(t, newCert(t, "other"))
	expect(t, watch.Events(), "error", 1000)
}

// TestDiagnosisUninstalledVsTimeout: 1001 at once while no phone app of
// the package ever registered; 204 after the timeout once one did but is
// not connected; 0 when it connects during the wait.
func TestDiagnosisUninstalledVsTimeout(t *testing.T) {
	w := newPairWorld(t)
	watch := w.watch(t)
	expect(t, watch.Events(), "error", 1001)
	start := time.Now()
	st, msg, err := watch.Diagnosis(ctx(t), 5*time.Second)
	if err != nil || st != 1001 {
		t.Fatalf("Diagnosis = %d %q, %v; want 1001", st, msg, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("1001 took %v; it needs no wait", d)
	}

	p := w.phone(t)
	expect(t, watch.Events(), "open", 0)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	expect(t, watch.Events(), "close", 1000)

	start = time.Now()
	st, _, err = watch.Diagnosis(ctx(t), 300*time.Millisecond)
	if err != nil || st != 204 {
		t.Fatalf("Diagnosis = %d, %v; want 204", st, err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("204 after %v, before the 300ms timeout", d)
	}

	// Connect the phone while a diagnosis waits.
	type res struct {
		st  int
		err error
	}
	const framesIn = `switchboard_messages_total{adapter="interconnect",direction="in"}`
	before := w.f.srv.Metric(t, framesIn)
	got := make(chan res, 1)
	go func() {
		st, _, err := watch.Diagnosis(ctx(t), 8*time.Second)
		got <- res{st, err}
	}()
	// Connect the phone only once the relay has read the diagnosis request
	// (this watch is the only client now), so the answer comes from the wait.
	testserver.Eventually(t, waitFor, func() error {
		if n := w.f.srv.Metric(t, framesIn); n < before+1 {
			return fmt.Errorf("frames in %v, want %v", n, before+1)
		}
		return nil
	})
	w.phone(t)
	if r := <-got; r.err != nil || r.st != 0 {
		t.Fatalf("Diagnosis while the phone connects = %d, %v; want 0", r.st, r.err)
	}
}

// TestSendWhileDisconnected: 1006 from the watch, -4 from the phone.
func TestSendWhileDisconnected(t *testing.T) {
	w := newPairWorld(t)
	watch := w.watch(t)
	if err := watch.Send(ctx(t), `{"a":1}`); codeOf(err) != 1006 {
		t.Fatalf("watch Send without phone = %v, want 1006", err)
	}
	if st, err := watch.ReadyState(ctx(t)); err != nil || st != 2 {
		t.Fatalf("ReadyState = %d, %v; want 2", st, err)
	}
	phone := w.readyPhone(t)
	expect(t, watch.Events(), "error", 1001) // from before the phone existed
	expect(t, watch.Events(), "open", 0)
	watch.Close()
	skipTo(t, phone.Events(), "node") // connected
	if e := skipTo(t, phone.Events(), "node"); e.Connected {
		t.Fatalf("node event %+v, want disconnected", e)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("hi")); codeOf(err) != -4 {
		t.Fatalf("phone SendMessage to a gone watch = %v, want -4", err)
	}
}

// TestReconnect: the phone app leaves (normally: 1000; abruptly: 1006) and
// comes back: the watch sees onclose then onopen with isReconnected true.
func TestReconnect(t *testing.T) {
	w := newPairWorld(t)
	w.phone(t).Close()
	watch := w.watch(t)
	p1 := w.phone(t)
	if e := expect(t, watch.Events(), "open", 0); e.IsReconnected {
		t.Fatal("first open has isReconnected true")
	}
	p1.Close()
	if e := expect(t, watch.Events(), "close", 1000); e.Data == "" {
		t.Error("close without data")
	}
	p2 := w.phone(t)
	if e := expect(t, watch.Events(), "open", 0); !e.IsReconnected {
		t.Fatal("second open has isReconnected false")
	}
	p2.CloseNow()
	expect(t, watch.Events(), "close", 1006)
	w.phone(t)
	if e := expect(t, watch.Events(), "open", 0); !e.IsReconnected {
		t.Fatal("third open has isReconnected false")
	}
	// A second connection of the same phone app replaces the first: the
	// watch sees it leave (1001) and come back.
	w.phone(t)
	expect(t, watch.Events(), "close", 1001)
	expect(t, watch.Events(), "open", 0)
}
