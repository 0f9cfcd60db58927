package interconnect_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// world is a server with a user, a watch bound to it and a certificate
// (the phone proves it holds the certificate's key).
type world struct {
	srv          *testserver.Server
	uid, did     string
	watch, phone interconnect.Config
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	srv := testserver.Start(t)
	app, err := srv.Admin.CreateApp(ctx, "client test")
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := srv.CreateProduct(t, "demo-lamp.json")
	u, sess, _, err := srv.Node().CreateUser(ctx, app.AppID, core.NewUser{PhoneID: "client-test"})
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err := srv.Node().RegisterDevice(ctx, prod.ProductKey, "0a0b0c0d0e0f", "PASS1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Node().BindDevice(ctx, u.UID, dev.DID, "PASS1", core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der := certFor(t, key).DER
	url := "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/interconnect/v1"
	return &world{
		srv: srv, uid: u.UID, did: dev.DID,
		watch: interconnect.Config{URL: url, Package: "com.example.c", Certificate: der, DID: dev.DID, Passcode: "PASS1"},
		phone: interconnect.Config{URL: url, Package: "com.example.c", Certificate: der, AppID: app.AppID, Token: sess.Token, Signer: key},
	}
}

// registrations counts the relay's "session registered" log lines that
// contain all parts: every successful hello, so every reconnection.
func (w *world) registrations(parts ...string) int {
	n := 0
	for _, line := range strings.Split(w.srv.Log.String(), "\n") {
		if !strings.Contains(line, "session registered") {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

// endedOnce drains events up to the "closed" one, which must be the only
// one and the last (Events is closed after it), and returns it.
func endedOnce(t *testing.T, events <-chan interconnect.Event) interconnect.Event {
	t.Helper()
	var closed []interconnect.Event
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				if len(closed) != 1 {
					t.Fatalf("closed events %+v, want exactly one", closed)
				}
				return closed[0]
			}
			if e.Type == "closed" {
				closed = append(closed, e)
			}
		case <-timeout:
			t.Fatalf("the connection did not end (closed events so far: %+v)", closed)
		}
	}
}

// reconnectingWatch is what an app with a reconnect loop does: dial, read
// events until the connection ends, dial again unless Final says the relay
// ended the session for good; the final error is sent on the result.
func reconnectingWatch(ctx context.Context, cfg interconnect.Config, opened chan<- *interconnect.Watch) <-chan error {
	result := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			w, err := interconnect.DialWatch(ctx, cfg)
			if err != nil {
				if interconnect.Final(err) {
					result <- err
					return
				}
				time.Sleep(20 * time.Millisecond)
				continue
			}
			opened <- w
			for range w.Events() {
			}
			if interconnect.Final(w.Err()) {
				result <- w.Err()
				return
			}
		}
		result <- ctx.Err()
	}()
	return result
}

// TestReplacedEndsForGood: two watch sessions of one app, each run by an
// app loop that reconnects unless Final. The first is replaced: one
// "closed" event with 4409 and the relay's reason, Err and calls are
// ErrReplaced, its loop stops. Over two seconds no session registers
// again (a loop that redialled after 4409 would re-register every few
// milliseconds, each time replacing the other) and the second stays
// paired.
func TestReplacedEndsForGood(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	phone, err := interconnect.DialPhone(ctx, w.phone)
	if err != nil {
		t.Fatal(err)
	}
	defer phone.CloseNow()
	go func() {
		for range phone.Events() {
		}
	}()

	opened := make(chan *interconnect.Watch, 16)
	first := reconnectingWatch(ctx, w.watch, opened)
	w1 := <-opened
	// A second loop of the same app; its session replaces the first.
	w2, err := interconnect.DialWatch(ctx, w.watch)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.CloseNow()

	var end error
	select {
	case end = <-first:
	case <-ctx.Done():
		t.Fatal("the replaced watch's loop did not stop")
	}
	if !errors.Is(end, interconnect.ErrReplaced) || !errors.Is(end, interconnect.ErrClosed) || !interconnect.Final(end) {
		t.Fatalf("replaced watch ended with %v, want ErrReplaced (and ErrClosed, Final)", end)
	}
	var ce *interconnect.ClosedError
	if !errors.As(end, &ce) || ce.Code != interconnect.CloseReplaced || !strings.Contains(ce.Reason, "replaced") {
		t.Fatalf("end %#v, want a ClosedError 4409 with the relay's reason", end)
	}
	if err := w1.Send(ctx, "x"); !errors.Is(err, interconnect.ErrReplaced) {
		t.Fatalf("Send on the replaced watch = %v, want ErrReplaced", err)
	}
	if len(opened) != 0 {
		t.Fatal("the replaced watch's loop dialled again")
	}

	// The second session stays: polled for two seconds, it is paired
	// every time and nothing registers again.
	// The relay logs a registration just after its welcome, so the second
	// one may not be in the log yet when DialWatch returns.
	const want = 2
	for deadline := time.Now().Add(5 * time.Second); w.registrations("role=watch", "did="+w.did) != want; {
		if time.Now().After(deadline) {
			t.Fatalf("%d watch registrations, want %d", w.registrations("role=watch", "did="+w.did), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if st, err := w2.ReadyState(ctx); err != nil || st != 1 {
			t.Fatalf("second watch ReadyState = %d, %v; want 1", st, err)
		}
		if n := w.registrations("role=watch", "did="+w.did); n != want {
			t.Fatalf("%d watch registrations, want still %d: something reconnected", n, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplacedClosedEvent: a replaced connection's Events carries exactly
// one "closed" event, code 4409 with the relay's reason, then ends.
func TestReplacedClosedEvent(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p1, err := interconnect.DialPhone(ctx, w.phone)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := interconnect.DialPhone(ctx, w.phone)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.CloseNow()
	e := endedOnce(t, p1.Events())
	if e.Code != interconnect.CloseReplaced || !strings.Contains(e.Data, "replaced by a newer connection") {
		t.Fatalf("closed event %+v, want 4409 with the relay's reason", e)
	}
	if !errors.Is(p1.Err(), interconnect.ErrReplaced) {
		t.Fatalf("Err() = %v, want ErrReplaced", p1.Err())
	}
	if _, err := p1.ConnectedNodes(ctx); !errors.Is(err, interconnect.ErrReplaced) {
		t.Fatalf("ConnectedNodes on the replaced phone = %v, want ErrReplaced", err)
	}
	if err := p2.Ping(ctx); err != nil {
		t.Fatalf("the newer phone session: %v", err)
	}
}

// TestFinalCodes: what the relay does today with 4401 (bad passcode at the
// hello), 4401 (binding removed after the welcome) is final; a server
// going away (1001) and this side's own Close are not.
func TestFinalCodes(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	bad := w.watch
	bad.Passcode = "WRONG"
	_, err := interconnect.DialWatch(ctx, bad)
	var he *interconnect.HelloError
	if !errors.As(err, &he) || he.Code != interconnect.CloseBadAuth || !interconnect.Final(err) {
		t.Fatalf("bad passcode: %v, want a final HelloError 4401", err)
	}

	watch, err := interconnect.DialWatch(ctx, w.watch)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.srv.Node().Unbind(ctx, w.uid, w.did); err != nil {
		t.Fatal(err)
	}
	if e := endedOnce(t, watch.Events()); e.Code != interconnect.CloseBadAuth {
		t.Fatalf("unbound watch closed with %+v, want 4401", e)
	}
	if err := watch.Err(); !interconnect.Final(err) || errors.Is(err, interconnect.ErrReplaced) || !errors.Is(err, interconnect.ErrClosed) {
		t.Fatalf("unbound watch Err() = %v, want final, closed, not replaced", err)
	}

	phone, err := interconnect.DialPhone(ctx, w.phone)
	if err != nil {
		t.Fatal(err)
	}
	w.srv.Stop(t)
	if e := endedOnce(t, phone.Events()); e.Code != 1001 {
		t.Fatalf("phone at shutdown closed with %+v, want 1001", e)
	}
	if interconnect.Final(phone.Err()) {
		t.Fatalf("a server going away is final: %v", phone.Err())
	}

	mine, err := interconnect.DialWatch(ctx, interconnect.Config{URL: "ws://127.0.0.1:1/ws/interconnect/v1"})
	if err == nil {
		mine.CloseNow()
	}
	if interconnect.Final(err) {
		t.Fatalf("an unreachable relay is final: %v", err)
	}
}
