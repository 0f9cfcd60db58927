package relay_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/relay"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// These tests drive the relay directly, as the adapter does, on a real
// core (SQLite in a temp dir, the memory bus) with recording endpoints:
// no network listener.

const lamp = `{"name":"watch","protocolType":"standard","entities":[{"attrs":[
 {"id":0,"name":"on","data_type":"bool","type":"status_writable","position":{"byte_offset":0,"bit_offset":0,"len":1,"unit":"bit"}}]}]}`

const pkg = "com.example.pair"

type world struct {
	node       *core.Node
	relay      *relay.Relay
	uid, token string
	appID      string
	did        string
	cert       relay.Cert
}

func newWorld(t *testing.T, o relay.Options) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	n, err := core.New(core.Options{Store: st, Bus: b})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	o.Identity, o.Store, o.Bus = n, st, b
	r, err := relay.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.Close(ctx)
		_ = n.Close(ctx)
		_ = b.Close()
		_ = st.Close()
	})
	app, err := n.CreateApp(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := n.CreateProduct(ctx, []byte(lamp))
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := n.RegisterDevice(ctx, p.Key, "aabbccddeeff", "PASSCODE")
	if err != nil {
		t.Fatal(err)
	}
	u, sess, _, err := n.CreateUser(ctx, app.ID, core.NewUser{PhoneID: "phone-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.BindDevice(ctx, u.UID, d.DID, "PASSCODE", core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/xms-demo-cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := relay.ParseCertificate(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return &world{node: n, relay: r, uid: u.UID, token: sess.Token, appID: app.ID, did: d.DID, cert: cert}
}

// endpoint records what the relay tells one client.
type endpoint struct {
	mu       sync.Mutex
	events   []relay.Event
	messages []relay.Message
	closed   chan [2]any // code, reason
	full     bool        // Offer answers Full with a channel that never fires
}

func newEndpoint() *endpoint { return &endpoint{closed: make(chan [2]any, 1)} }

func (e *endpoint) Event(ev relay.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, ev)
}

func (e *endpoint) Offer(m relay.Message) (relay.Offer, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.full {
		return relay.Full, make(chan struct{})
	}
	e.messages = append(e.messages, m)
	return relay.Queued, nil
}

func (e *endpoint) Close(code int, reason string) {
	select {
	case e.closed <- [2]any{code, reason}:
	default:
	}
}

func (e *endpoint) snapshot() ([]relay.Event, []relay.Message) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]relay.Event(nil), e.events...), append([]relay.Message(nil), e.messages...)
}

func (w *world) phone(t *testing.T, cert relay.Cert) (*relay.Handle, *endpoint) {
	t.Helper()
	ctx := context.Background()
	uid, grant, err := w.relay.AuthenticatePhone(ctx, w.appID, w.token)
	if err != nil || uid != w.uid {
		t.Fatalf("AuthenticatePhone = %q, %v", uid, err)
	}
	ep := newEndpoint()
	h, err := w.relay.RegisterPhone(ctx, uid, pkg, cert, grant, ep, func() {})
	if err != nil {
		t.Fatal(err)
	}
	return h, ep
}

func (w *world) watch(t *testing.T, cert relay.Cert) (*relay.Handle, *endpoint) {
	t.Helper()
	ctx := context.Background()
	uid, err := w.relay.AuthenticateWatch(ctx, w.did, "PASSCODE", "")
	if err != nil || uid != w.uid {
		t.Fatalf("AuthenticateWatch = %q, %v", uid, err)
	}
	ep := newEndpoint()
	h, err := w.relay.RegisterWatch(ctx, uid, w.did, pkg, cert, ep, func() {})
	if err != nil {
		t.Fatal(err)
	}
	return h, ep
}

// TestPairAndRoute: a phone app and a watch app of the same package and
// certificate pair; messages flow both ways once the phone listens, and
// the phone hears when the watch leaves.
func TestPairAndRoute(t *testing.T) {
	w := newWorld(t, relay.Options{})
	ctx := context.Background()
	ph, pep := w.phone(t, w.cert)
	wh, wep := w.watch(t, w.cert)
	if ev, _ := wep.snapshot(); len(ev) != 1 || ev[0].Kind != relay.EventOpen {
		t.Fatalf("watch events = %+v, want open", ev)
	}
	if ev, _ := pep.snapshot(); len(ev) != 1 || ev[0].Kind != relay.EventNode || ev[0].Node != w.did || !ev[0].Connected {
		t.Fatalf("phone events = %+v, want node connected", ev)
	}
	if !w.relay.Paired(wh) {
		t.Fatal("Paired = false")
	}
	// Without a listener the relay takes the message and drops it.
	if err := w.relay.SendFromWatch(ctx, wh, "unheard"); err != nil {
		t.Fatal(err)
	}
	if err := w.relay.Listen(ctx, ph, w.did); !errors.Is(err, relay.ErrPermission) {
		t.Fatalf("Listen before a grant = %v, want ErrPermission", err)
	}
	if _, err := w.relay.RequestPermissions(ctx, ph, w.did, []string{relay.PermDeviceManager}); err != nil {
		t.Fatal(err)
	}
	if err := w.relay.Listen(ctx, ph, w.did); err != nil {
		t.Fatal(err)
	}
	if err := w.relay.SendFromWatch(ctx, wh, "to phone"); err != nil {
		t.Fatal(err)
	}
	if err := w.relay.SendFromPhone(ctx, ph, w.did, "to watch"); err != nil {
		t.Fatal(err)
	}
	if _, m := pep.snapshot(); len(m) != 1 || m[0] != (relay.Message{From: w.did, Data: "to phone"}) {
		t.Fatalf("phone messages = %+v", m)
	}
	if _, m := wep.snapshot(); len(m) != 1 || m[0] != (relay.Message{Data: "to watch"}) {
		t.Fatalf("watch messages = %+v", m)
	}
	w.relay.Unregister(wh, 1000, "bye")
	if ev, _ := pep.snapshot(); ev[len(ev)-1].Kind != relay.EventNode || ev[len(ev)-1].Connected {
		t.Fatalf("phone's last event = %+v, want node disconnected", ev[len(ev)-1])
	}
	if err := w.relay.SendFromPhone(ctx, ph, w.did, "late"); !errors.Is(err, relay.ErrDisconnected) {
		t.Fatalf("send to a gone watch = %v, want ErrDisconnected", err)
	}
}

// TestSignatureMismatch: a watch whose phone app is connected with
// another certificate is told at once (error 1000), and cannot pair.
func TestSignatureMismatch(t *testing.T) {
	w := newWorld(t, relay.Options{})
	other, err := relay.ParseCertificate("MAMCAQE=") // a minimal DER SEQUENCE: another fingerprint
	if err != nil {
		t.Fatal(err)
	}
	w.phone(t, other)
	wh, wep := w.watch(t, w.cert)
	ev, _ := wep.snapshot()
	if len(ev) != 1 || ev[0].Kind != relay.EventError || ev[0].Code != relay.DiagOthers {
		t.Fatalf("watch events = %+v, want error 1000", ev)
	}
	if code, _, err := w.relay.Diagnose(context.Background(), wh, time.Second); err != nil || code != relay.DiagOthers {
		t.Fatalf("Diagnose = %d, %v; want 1000 at once", code, err)
	}
}

// TestFullPairTimesOut: a sender to a pair whose queue stays full fails
// with ErrTimeout after SendTimeout instead of waiting for ever.
func TestFullPairTimesOut(t *testing.T) {
	w := newWorld(t, relay.Options{SendTimeout: 50 * time.Millisecond})
	ctx := context.Background()
	ph, pep := w.phone(t, w.cert)
	wh, _ := w.watch(t, w.cert)
	if _, err := w.relay.RequestPermissions(ctx, ph, w.did, []string{relay.PermDeviceManager}); err != nil {
		t.Fatal(err)
	}
	if err := w.relay.Listen(ctx, ph, w.did); err != nil {
		t.Fatal(err)
	}
	pep.mu.Lock()
	pep.full = true
	pep.mu.Unlock()
	if err := w.relay.SendFromWatch(ctx, wh, "stuck"); !errors.Is(err, relay.ErrTimeout) {
		t.Fatalf("send to a full pair = %v, want ErrTimeout", err)
	}
}

// TestUnbindEndsTheWatchSession: removing the binding closes the watch's
// session with the access-ended code, through the core's bus event.
func TestUnbindEndsTheWatchSession(t *testing.T) {
	w := newWorld(t, relay.Options{})
	_, wep := w.watch(t, w.cert)
	if err := w.node.Unbind(context.Background(), w.uid, w.did); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-wep.closed:
		if got != [2]any{relay.CloseAccessEnded, "device unbound"} {
			t.Fatalf("closed with %v, want 4401 device unbound", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the watch session was not closed")
	}
}
