package interconnect_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/relay"
)

// waitFor bounds every wait; tests fail rather than hang.
const waitFor = 10 * time.Second

const pkg = "com.example.pair"

// fixture is a node with an app and a product for watches.
type fixture struct {
	srv        *testserver.Server
	appID      string
	productKey string
	url        string
	n          atomic.Uint32
}

func newFixture(t testing.TB, opts ...testserver.Option) *fixture {
	t.Helper()
	srv := testserver.Start(t, opts...)
	app, err := srv.Admin.CreateApp(context.Background(), "interconnect test")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := srv.CreateProduct(t, "demo-lamp.json")
	return &fixture{srv: srv, appID: app.AppID, productKey: p.ProductKey,
		url: "ws" + strings.TrimPrefix(srv.HTTPURL, "http") + "/ws/interconnect/v1"}
}

func (f *fixture) node() *core.Node { return f.srv.Node() }

// newRelay starts a second relay (own state) on the fixture's node, store
// and bus; the caller closes it.
func (f *fixture) newRelay(t testing.TB, o relay.Options) *relay.Relay {
	t.Helper()
	rs, ok := f.node().Store().(relay.Store)
	if !ok {
		t.Fatal("the node's store is no relay.Store")
	}
	o.Identity, o.Store, o.Bus = f.node(), rs, f.node().Bus()
	rl, err := relay.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.Start(); err != nil {
		t.Fatal(err)
	}
	return rl
}

// user creates an anonymous app user: uid and token.
func (f *fixture) user(t testing.TB) (string, string) {
	t.Helper()
	u, s, _, err := f.node().CreateUser(context.Background(), f.appID, core.NewUser{PhoneID: fmt.Sprintf("phone-%d-%d", time.Now().UnixNano(), f.n.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
	return u.UID, s.Token
}

// watchDevice registers a watch device and binds it to uid.
func (f *fixture) watchDevice(t testing.TB, uid string) (did, passcode string) {
	t.Helper()
	passcode = "WATCHPASS1"
	d, _, err := f.node().RegisterDevice(context.Background(), f.productKey, fmt.Sprintf("c0ffee%06x", f.n.Add(1)), passcode)
	if err != nil {
		t.Fatal(err)
	}
	if uid != "" {
		if _, err := f.node().BindDevice(context.Background(), uid, d.DID, passcode, core.BindOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return d.DID, passcode
}

// cert is a signing identity: a self-signed certificate and its key.
type cert struct {
	pem []byte
	der []byte
	key crypto.Signer
}

func newCert(t testing.TB, cn string) cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return cert{pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), der: der, key: key}
}

// pairWorld is a user with a bound watch, and the app's certificate.
type pairWorld struct {
	f             *fixture
	uid, token    string
	did, passcode string
	cert          cert
	// phoneAt is the node the phone app connects to when not f's
	// (nodes_test.go).
	phoneAt *fixture
}

func newPairWorld(t testing.TB) *pairWorld {
	f := newFixture(t)
	return f.world(t)
}

func (f *fixture) world(t testing.TB) *pairWorld {
	uid, tok := f.user(t)
	did, pc := f.watchDevice(t, uid)
	return &pairWorld{f: f, uid: uid, token: tok, did: did, passcode: pc, cert: newCert(t, "pair")}
}

func (w *pairWorld) watchCfg(c cert) interconnect.Config {
	return interconnect.Config{URL: w.f.url, Package: pkg, Certificate: c.pem, DID: w.did, Passcode: w.passcode}
}

func (w *pairWorld) phoneCfg(c cert) interconnect.Config {
	url := w.f.url
	if w.phoneAt != nil {
		url = w.phoneAt.url
	}
	return interconnect.Config{URL: url, Package: pkg, Certificate: c.der, AppID: w.f.appID, Token: w.token}
}

func (w *pairWorld) watch(t testing.TB) *interconnect.Watch { return w.watchWith(t, w.cert) }

func (w *pairWorld) watchWith(t testing.TB, c cert) *interconnect.Watch {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, err := interconnect.DialWatch(ctx, w.watchCfg(c))
	if err != nil {
		t.Fatalf("DialWatch: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

func (w *pairWorld) phone(t testing.TB) *interconnect.Phone { return w.phoneWith(t, w.cert) }

func (w *pairWorld) phoneWith(t testing.TB, c cert) *interconnect.Phone {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, err := interconnect.DialPhone(ctx, w.phoneCfg(c))
	if err != nil {
		t.Fatalf("DialPhone: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// readyPhone is a phone app with DEVICE_MANAGER on the watch, listening.
func (w *pairWorld) readyPhone(t testing.TB) *interconnect.Phone {
	t.Helper()
	p := w.phone(t)
	if _, err := p.RequestPermissions(ctx(t), w.did, interconnect.PermDeviceManager); err != nil {
		t.Fatalf("RequestPermissions: %v", err)
	}
	if err := p.Listen(ctx(t), w.did); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	return p
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return c
}

// next returns the next event, failing after waitFor.
func next(t testing.TB, ch <-chan interconnect.Event) interconnect.Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("events closed")
		}
		return e
	case <-time.After(waitFor):
		t.Fatal("no event within", waitFor)
	}
	return interconnect.Event{}
}

// expect reads the next event and checks its type and code.
func expect(t testing.TB, ch <-chan interconnect.Event, typ string, code int) interconnect.Event {
	t.Helper()
	e := next(t, ch)
	if e.Type != typ || e.Code != code {
		t.Fatalf("event = %+v, want %s with code %d", e, typ, code)
	}
	return e
}

// skipTo reads events until one of type typ, failing after waitFor.
func skipTo(t testing.TB, ch <-chan interconnect.Event, typ string) interconnect.Event {
	t.Helper()
	return within(t, ch, waitFor, typ)
}

// codeOf is the code of an *interconnect.Error, or -999.
func codeOf(err error) int {
	if e, ok := err.(*interconnect.Error); ok {
		return e.Code
	}
	return -999
}

// noEvent checks nothing is queued right now (after a round trip that
// would have carried it).
func noEvent(t testing.TB, ch <-chan interconnect.Event) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("unexpected event %+v", e)
	default:
	}
}
