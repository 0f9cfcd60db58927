package interconnect_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/client/interconnect"
	"github.com/switchboard-iot/switchboard/relay"
)

// TestSignVerifies: Sign's proof verifies with the relay's check for every
// key type the relay supports, and not for another nonce.
func TestSignVerifies(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for name, key := range map[string]crypto.Signer{"RSA": rsaKey, "ECDSA": ecKey, "Ed25519": edKey} {
		c := certFor(t, key)
		nonce := []byte("nonce-0123456789")
		sig, err := interconnect.Sign(key, nonce)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := relay.VerifyProof(c, nonce, sig); err != nil {
			t.Errorf("%s: proof does not verify: %v", name, err)
		}
		if err := relay.VerifyProof(c, []byte("other"), sig); err == nil {
			t.Errorf("%s: proof verifies for another nonce", name)
		}
	}
}

// TestRoundTrip: a watch and a phone client pair through a real server,
// exchange a message each way, and a closed client fails calls with
// ErrClosed.
func TestRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w := newWorld(t)
	phone, err := interconnect.DialPhone(ctx, w.phone)
	if err != nil {
		t.Fatal(err)
	}
	defer phone.CloseNow()
	if wel := phone.Welcome(); wel.UserID != w.uid || !wel.Proven || wel.MaxMessageBytes != relay.MaxMessage {
		t.Fatalf("welcome %+v", wel)
	}
	if _, err := phone.RequestPermissions(ctx, w.did, interconnect.PermDeviceManager); err != nil {
		t.Fatal(err)
	}
	if err := phone.Listen(ctx, w.did); err != nil {
		t.Fatal(err)
	}
	watch, err := interconnect.DialWatch(ctx, w.watch)
	if err != nil {
		t.Fatal(err)
	}
	if e := <-watch.Events(); e.Type != "open" || e.IsReconnected {
		t.Fatalf("watch event %+v", e)
	}
	if e := <-phone.Events(); e.Type != "node" || !e.Connected || e.Node != w.did {
		t.Fatalf("phone event %+v", e)
	}
	if err := watch.Send(ctx, `{"n":1}`); err != nil {
		t.Fatal(err)
	}
	if e := <-phone.Events(); e.Type != "message" || e.Data != `{"n":1}` {
		t.Fatalf("phone got %+v", e)
	}
	if err := phone.SendMessage(ctx, w.did, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if e := <-watch.Events(); e.Type != "message" || e.Data != "ok" {
		t.Fatalf("watch got %+v", e)
	}
	watch.Close()
	for e := range watch.Events() {
		if e.Type == "closed" && e.Code != 1000 {
			t.Errorf("closed event %+v, want code 1000", e)
		}
	}
	if err := watch.Send(ctx, "x"); !errors.Is(err, interconnect.ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
}

func certFor(t *testing.T, key crypto.Signer) relay.Cert {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "c"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := relay.ParseCertificate(base64.StdEncoding.EncodeToString(der))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
