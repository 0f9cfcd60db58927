package proof_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/relay/proof"
)

// TestMessage: the signed bytes are the documented context, then the
// nonce; the result is a fresh slice each time.
func TestMessage(t *testing.T) {
	nonce := []byte{0, 1, 2, 0xff}
	got := proof.Message(nonce)
	want := append([]byte("switchboard interconnect proof v1\n"), nonce...)
	if !bytes.Equal(got, want) {
		t.Fatalf("Message = %q, want %q", got, want)
	}
	_ = append(got[:len(proof.Context)], 'X')
	if again := proof.Message(nonce); !bytes.Equal(again, want) {
		t.Fatalf("Message shares memory between calls: %q", again)
	}
}

// TestSignVerify: for each key type the relay accepts, what Sign makes
// verifies against the certificate, and fails for another nonce or key.
func TestSignVerify(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	nonce := []byte("0123456789abcdef0123456789abcdef")
	for name, key := range map[string]crypto.Signer{"ECDSA": ecKey, "RSA": rsaKey, "Ed25519": edKey} {
		cert := selfSigned(t, key)
		sig, err := proof.Sign(key, nonce)
		if err != nil {
			t.Fatalf("%s: Sign: %v", name, err)
		}
		if err := proof.Verify(cert, nonce, sig); err != nil {
			t.Errorf("%s: valid proof refused: %v", name, err)
		}
		if err := proof.Verify(cert, []byte("another nonce"), sig); err == nil {
			t.Errorf("%s: proof over another nonce accepted", name)
		}
		otherSig, _ := proof.Sign(other, nonce)
		if err := proof.Verify(cert, nonce, otherSig); err == nil {
			t.Errorf("%s: proof by another key accepted", name)
		}
	}
}

// TestSDKsFollowTheFormat: the JavaScript SDKs cannot call Message, so
// their copy of the context and the documented text are pinned here; a
// change to one that forgets the others fails.
func TestSDKsFollowTheFormat(t *testing.T) {
	jsConst := regexp.MustCompile(`const PROOF_CONTEXT = '([^']*)'`)
	for _, path := range []string{"../../sdk/js/interconnect/index.js", "../../sdk/js/wear/index.js"} {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := jsConst.FindSubmatch(src)
		if m == nil {
			t.Errorf("%s: no PROOF_CONTEXT constant", path)
			continue
		}
		if got := strings.ReplaceAll(string(m[1]), `\n`, "\n"); got != proof.Context {
			t.Errorf("%s: PROOF_CONTEXT = %q, want %q", path, got, proof.Context)
		}
		if !bytes.Contains(src, []byte("...new TextEncoder().encode(PROOF_CONTEXT), ...nonce")) {
			t.Errorf("%s: the signed message is no longer PROOF_CONTEXT followed by the nonce", path)
		}
	}
	doc, err := os.ReadFile("../../docs/protocol-interconnect.md")
	if err != nil {
		t.Fatal(err)
	}
	if quoted := "`\"" + strings.ReplaceAll(proof.Context, "\n", `\n`) + "\"`"; !bytes.Contains(doc, []byte(quoted)) {
		t.Errorf("docs/protocol-interconnect.md does not document the signed text as %s", quoted)
	}
}

func selfSigned(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "p"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
