package interconnect_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	ic "github.com/switchboard-iot/switchboard/adapter/interconnect"
	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/relay"
)

// TestHelloRefused: every bad hello is closed with its documented code and
// a reason, and the relay keeps serving.
func TestHelloRefused(t *testing.T) {
	w := newPairWorld(t)
	strangerDID, strangerPass := w.f.watchDevice(t, "") // bound to nobody
	keyPEM := pemKey(t, w.cert)
	cases := []struct {
		name  string
		tweak func(c *interconnect.Config)
		watch bool
		code  int
	}{
		{"bad passcode", func(c *interconnect.Config) { c.Passcode = "WRONG" }, true, ic.CloseBadAuth},
		{"unknown did", func(c *interconnect.Config) { c.DID = "nosuchdevice0000000000" }, true, ic.CloseBadAuth},
		{"unbound watch", func(c *interconnect.Config) { c.DID, c.Passcode = strangerDID, strangerPass }, true, ic.CloseForbidden},
		{"watch names another user", func(c *interconnect.Config) { c.UserID = "feed00000000000000000000000000ff" }, true, ic.CloseForbidden},
		{"bad token", func(c *interconnect.Config) { c.Token = "0123456789abcdef0123456789abcdef" }, false, ic.CloseBadAuth},
		{"token of another app", func(c *interconnect.Config) { c.AppID = "00000000000000000000000000000000" }, false, ic.CloseBadAuth},
		{"certificate garbage", func(c *interconnect.Config) {
			c.Certificate = []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		}, true, ic.CloseBadHello},
		{"DER not a certificate", func(c *interconnect.Config) { c.Certificate = []byte{0x30, 0x03, 0x02, 0x01} }, false, ic.CloseBadHello},
		{"PEM with the private key", func(c *interconnect.Config) { c.Certificate = append(keyPEM, w.cert.pem...) }, true, ic.CloseBadHello},
		{"bad package", func(c *interconnect.Config) { c.Package = "com..bad" }, true, ic.CloseBadHello},
		{"proof by another key", func(c *interconnect.Config) { c.Signer = newCert(t, "x").key }, false, ic.CloseForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := w.phoneCfg(w.cert)
			dial := func(ctx context.Context, cfg interconnect.Config) error {
				_, err := interconnect.DialPhone(ctx, cfg)
				return err
			}
			if tc.watch {
				cfg = w.watchCfg(w.cert)
				dial = func(ctx context.Context, cfg interconnect.Config) error {
					_, err := interconnect.DialWatch(ctx, cfg)
					return err
				}
			}
			tc.tweak(&cfg)
			err := dial(ctx(t), cfg)
			var he *interconnect.HelloError
			if !errors.As(err, &he) || he.Code != tc.code || he.Message == "" {
				t.Fatalf("dial = %v, want hello refused with %d and a message", err, tc.code)
			}
		})
	}
	watch := w.watch(t) // still serving
	if err := watch.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// TestHelloProtocolErrors: frames before or instead of a hello close the
// connection with 4400; silence closes it with 4408.
func TestHelloProtocolErrors(t *testing.T) {
	w := newPairWorld(t)
	for _, first := range []string{`{"type":"send","id":1,"data":"x"}`, `garbage`, `{"type":"hello","role":"king","package":"a.b","certificate":"x"}`} {
		c := rawDial(t, w.f.url)
		readType(t, c, "challenge")
		if err := c.Write(ctx(t), websocket.MessageText, []byte(first)); err != nil {
			t.Fatal(err)
		}
		if f := readType(t, c, "fatal"); f["code"] != float64(ic.CloseBadHello) {
			t.Fatalf("%s: fatal %v", first, f)
		}
		if code := readUntilClose(t, c); code != ic.CloseBadHello {
			t.Fatalf("%s: close %d, want 4400", first, code)
		}
	}

	url := customRelay(t, w.f, ic.Options{Limits: ic.Limits{HelloTimeout: 100 * time.Millisecond}})
	c := rawDial(t, url)
	if code := readUntilClose(t, c); code != ic.CloseHelloTimeout {
		t.Fatalf("silent client closed with %d, want 4408", code)
	}
}

// TestProofOfPossession: a proof signed with the certificate's key
// (ECDSA, Ed25519) is accepted and reported; a relay that requires proofs
// refuses a hello without one.
func TestProofOfPossession(t *testing.T) {
	w := newPairWorld(t)
	cfg := w.phoneCfg(w.cert)
	cfg.Signer = w.cert.key
	p, err := interconnect.DialPhone(ctx(t), cfg)
	if err != nil {
		t.Fatalf("ECDSA proof: %v", err)
	}
	if !p.Welcome().Proven {
		t.Error("welcome.proven false after a valid proof")
	}
	p.Close()

	ed := ed25519Cert(t)
	wcfg := w.watchCfg(ed)
	wcfg.Signer = ed.key
	wc, err := interconnect.DialWatch(ctx(t), wcfg)
	if err != nil {
		t.Fatalf("Ed25519 proof: %v", err)
	}
	if !wc.Welcome().Proven || wc.Welcome().Fingerprint == "" {
		t.Errorf("welcome %+v", wc.Welcome())
	}
	wc.Close()

	url := customRelay(t, w.f, ic.Options{RequireProof: true})
	cfg = w.phoneCfg(w.cert)
	cfg.URL = url
	var he *interconnect.HelloError
	if _, err := interconnect.DialPhone(ctx(t), cfg); !errors.As(err, &he) || he.Code != ic.CloseForbidden {
		t.Fatalf("no proof on a proof-requiring relay: %v, want 4403", err)
	}
	cfg.Signer = w.cert.key
	if _, err := interconnect.DialPhone(ctx(t), cfg); err != nil {
		t.Fatalf("proof on a proof-requiring relay: %v", err)
	}
}

// TestPhonePermissionsAndInstall: the phone-side checks in order: an
// unbound watch is -7, sending before requestPermission is -7, a watch app
// that never registered is not installed (-5 on send), a disconnected one
// -4.
func TestPhonePermissionsAndInstall(t *testing.T) {
	w := newPairWorld(t)
	otherUID, _ := w.f.user(t)
	notMine, _ := w.f.watchDevice(t, otherUID)
	phone := w.phone(t)
	if _, err := phone.RequestPermissions(ctx(t), notMine, interconnect.PermDeviceManager); codeOf(err) != -7 {
		t.Fatalf("RequestPermissions on another user's watch = %v, want -7", err)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("x")); codeOf(err) != -7 {
		t.Fatalf("SendMessage without permission = %v, want -7", err)
	}
	if _, err := phone.IsWearAppInstalled(ctx(t), w.did); codeOf(err) != -7 {
		t.Fatalf("IsWearAppInstalled without permission = %v, want -7", err)
	}
	granted, err := phone.CheckPermissions(ctx(t), w.did, interconnect.PermDeviceManager, interconnect.PermNotify)
	if err != nil || len(granted) != 2 || granted[0] || granted[1] {
		t.Fatalf("CheckPermissions before = %v, %v", granted, err)
	}
	if got, err := phone.RequestPermissions(ctx(t), w.did, interconnect.PermNotify); err != nil || len(got) != 1 || got[0] != "notify" {
		t.Fatalf("RequestPermissions = %v, %v", got, err)
	}
	// The first request granted both (Xiaomi Wear SDK behaviour).
	granted, err = phone.CheckPermissions(ctx(t), w.did, interconnect.PermDeviceManager, interconnect.PermNotify)
	if err != nil || !granted[0] || !granted[1] {
		t.Fatalf("CheckPermissions after = %v, %v", granted, err)
	}
	if ok, err := phone.IsWearAppInstalled(ctx(t), w.did); err != nil || ok {
		t.Fatalf("IsWearAppInstalled before the watch app ran = %v, %v", ok, err)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("x")); codeOf(err) != -5 {
		t.Fatalf("SendMessage to an app never installed = %v, want -5", err)
	}
	watch := w.watch(t)
	expect(t, watch.Events(), "open", 0)
	watch.Close()
	skipTo(t, phone.Events(), "node")
	skipTo(t, phone.Events(), "node")
	if ok, err := phone.IsWearAppInstalled(ctx(t), w.did); err != nil || !ok {
		t.Fatalf("IsWearAppInstalled after = %v, %v", ok, err)
	}
	if err := phone.SendMessage(ctx(t), w.did, []byte("x")); codeOf(err) != -4 {
		t.Fatalf("SendMessage to a disconnected watch app = %v, want -4", err)
	}
	// Grants survive the phone app's reconnection (they are stored).
	phone.Close()
	again := w.phone(t)
	if granted, err := again.CheckPermissions(ctx(t), w.did, interconnect.PermDeviceManager); err != nil || !granted[0] {
		t.Fatalf("CheckPermissions after reconnect = %v, %v", granted, err)
	}
}

// TestNoListenerDropsMessages: a watch's send succeeds (the relay took it)
// but a phone app without a listener on that watch gets nothing, as with
// the real phone service; after addListener it does.
func TestNoListenerDropsMessages(t *testing.T) {
	w := newPairWorld(t)
	phone := w.phone(t)
	watch := w.watch(t)
	expect(t, watch.Events(), "open", 0)
	skipTo(t, phone.Events(), "node")
	if err := watch.Send(ctx(t), `"dropped"`); err != nil {
		t.Fatalf("Send without listener = %v, want success", err)
	}
	if _, err := phone.RequestPermissions(ctx(t), w.did, interconnect.PermDeviceManager); err != nil {
		t.Fatal(err)
	}
	if err := phone.Listen(ctx(t), w.did); err != nil {
		t.Fatal(err)
	}
	noEvent(t, phone.Events())
	if err := watch.Send(ctx(t), `"kept"`); err != nil {
		t.Fatal(err)
	}
	if e := next(t, phone.Events()); e.Data != `"kept"` {
		t.Fatalf("phone got %+v", e)
	}
	if err := phone.Unlisten(ctx(t), w.did); err != nil {
		t.Fatal(err)
	}
	if err := watch.Send(ctx(t), `"dropped again"`); err != nil {
		t.Fatal(err)
	}
	if err := phone.Ping(ctx(t)); err != nil {
		t.Fatal(err)
	}
	noEvent(t, phone.Events())
}

// TestUnbindClosesWatch: removing the binding ends the watch's session
// (4401 "device unbound"), and its phone app learns the node left.
func TestUnbindClosesWatch(t *testing.T) {
	w := newPairWorld(t)
	phone := w.phone(t)
	watch := w.watch(t)
	expect(t, watch.Events(), "open", 0)
	skipTo(t, phone.Events(), "node")
	if err := w.f.node().Unbind(context.Background(), w.uid, w.did); err != nil {
		t.Fatal(err)
	}
	if e := skipTo(t, watch.Events(), "closed"); e.Code != ic.CloseBadAuth || !strings.Contains(e.Data, "device unbound") {
		t.Fatalf("watch closed with %+v, want 4401 device unbound", e)
	}
	if e := skipTo(t, phone.Events(), "node"); e.Connected {
		t.Fatalf("phone event %+v", e)
	}
}

// TestShutdownTellsPeers: stopping the server closes sessions with 1001.
func TestShutdownTellsPeers(t *testing.T) {
	w := newPairWorld(t)
	watch := w.watch(t)
	w.f.srv.Stop(t)
	if e := skipTo(t, watch.Events(), "closed"); e.Code != int(websocket.StatusGoingAway) {
		t.Fatalf("closed %+v, want 1001", e)
	}
}

// customRelay runs a second relay adapter (own core state) on the
// fixture's node with changed options.
func customRelay(t testing.TB, f *fixture, o ic.Options) string {
	t.Helper()
	rl := f.newRelay(t, relay.Options{})
	o.Relay, o.Logger = rl, slog.New(slog.NewTextHandler(f.srv.Log, nil))
	srv, err := ic.New(o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Register(mux)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
		rl.Close(context.Background())
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + ic.Path
}

func pemKey(t testing.TB, c cert) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func ed25519Cert(t testing.TB) cert {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "ed"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return cert{pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), der: der, key: key}
}
