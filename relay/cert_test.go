package relay_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/relay"
	"github.com/switchboard-iot/switchboard/relay/proof"
)

// TestFingerprintVector checks the SHA-1 rule against the public test
// vector of notes §4.3: the XMS Wearable Demo certificate (CN=wearable,
// O=xiaomi), whose fingerprints were computed independently with openssl.
func TestFingerprintVector(t *testing.T) {
	raw, err := os.ReadFile("testdata/xms-demo-cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	c, err := relay.ParseCertificate(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Fingerprint(), "0B:82:93:8B:9C:7D:DE:B2:75:83:23:CA:30:F1:1A:8F:67:80:95:C5"; got != want {
		t.Errorf("SHA-1 = %s, want %s", got, want)
	}
	if got, want := c.FingerprintSHA256(), "EA:B2:34:44:C0:31:B8:14:AC:DF:37:2E:D0:4C:BC:13:0F:E7:16:C1:31:B1:E7:75:7B:BE:76:32:0C:9A:24:2F"; got != want {
		t.Errorf("SHA-256 = %s, want %s", got, want)
	}
	// The same certificate as base64 DER, with line breaks, is the same.
	b64 := base64.StdEncoding.EncodeToString(c.DER)
	c2, err := relay.ParseCertificate(b64[:40] + "\n" + b64[40:])
	if err != nil || c2.Fingerprint() != c.Fingerprint() {
		t.Errorf("base64 DER: %v, %s", err, c2.Fingerprint())
	}
}

// TestCertificateRefusals: what is not a certificate is refused with
// ErrCertificate and a reason.
func TestCertificateRefusals(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	for name, in := range map[string]string{
		"empty":        "  ",
		"not base64":   "%%%",
		"not DER":      base64.StdEncoding.EncodeToString([]byte("hello")),
		"key only PEM": keyPEM,
		"too long":     strings.Repeat("A", relay.MaxCertificate+1),
		"PEM no cert":  "-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n",
	} {
		if _, err := relay.ParseCertificate(in); !errors.Is(err, relay.ErrCertificate) {
			t.Errorf("%s: %v, want ErrCertificate", name, err)
		}
	}
}

// TestProof: a signature by the certificate's key verifies; by another
// key, or over another nonce, it does not.
func TestProof(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "p"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	c, err := relay.ParseCertificate(base64.StdEncoding.EncodeToString(der))
	if err != nil {
		t.Fatal(err)
	}
	nonce := []byte("0123456789abcdef0123456789abcdef")
	sign := func(k *ecdsa.PrivateKey, n []byte) []byte {
		sum := sha256Sum(append([]byte(proof.Context), n...))
		sig, _ := ecdsa.SignASN1(rand.Reader, k, sum)
		return sig
	}
	if err := relay.VerifyProof(c, nonce, sign(key, nonce)); err != nil {
		t.Fatalf("valid proof: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := relay.VerifyProof(c, nonce, sign(other, nonce)); !errors.Is(err, relay.ErrProof) {
		t.Errorf("other key: %v", err)
	}
	if err := relay.VerifyProof(c, []byte("another nonce"), sign(key, nonce)); !errors.Is(err, relay.ErrProof) {
		t.Errorf("other nonce: %v", err)
	}
}

// FuzzParseCertificate: never panics; an accepted certificate has DER
// and a 59-character fingerprint. Seeds: testdata/fuzz/FuzzParseCertificate.
func FuzzParseCertificate(f *testing.F) {
	f.Add("MAMCAQE=")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := relay.ParseCertificate(s)
		if err != nil {
			if !errors.Is(err, relay.ErrCertificate) {
				t.Fatalf("error %v is not ErrCertificate", err)
			}
			return
		}
		if len(c.DER) == 0 || len(c.Fingerprint()) != 59 {
			t.Fatalf("accepted %q with DER %x fingerprint %q", s, c.DER, c.Fingerprint())
		}
	})
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
