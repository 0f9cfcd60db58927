package tlscert

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"
)

// Reloader serves the certificate read from a pair of files and reads them
// again on Reload. Handshakes in progress and established connections keep
// the certificate they started with; only new handshakes see a new one.
type Reloader struct {
	certPath, keyPath string
	cur               atomic.Pointer[tls.Certificate]
}

// NewReloader loads the pair once; an unusable pair is an error.
func NewReloader(certPath, keyPath string) (*Reloader, error) {
	r := &Reloader{certPath: certPath, keyPath: keyPath}
	if _, err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the pair again and serves it from the next handshake on. On
// error the certificate served so far stays, and the error says why.
func (r *Reloader) Reload() (fingerprint string, err error) {
	c, err := Load(r.certPath, r.keyPath)
	if err != nil {
		return "", err
	}
	r.cur.Store(c)
	return Fingerprint(c), nil
}

// GetCertificate is tls.Config.GetCertificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cur.Load(), nil
}

// Fingerprint is the SHA-256 fingerprint of the certificate served now.
func (r *Reloader) Fingerprint() string { return Fingerprint(r.cur.Load()) }

// Paths are the files the pair is read from.
func (r *Reloader) Paths() (certPath, keyPath string) { return r.certPath, r.keyPath }

// ServerConfig is the TLS configuration of every listener: TLS 1.2 at
// least, Go's default cipher suites (only AEAD suites with forward secrecy
// for TLS 1.2; TLS 1.3's are not configurable), and renegotiation, which a
// Go server never offers. nextProtos is the ALPN list (nil for none).
func (r *Reloader) ServerConfig(nextProtos ...string) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: r.GetCertificate,
		NextProtos:     nextProtos,
	}
}

// Load reads a PEM certificate (chain) and its key. Its errors are one line
// naming the files, for the operator.
func Load(certPath, keyPath string) (*tls.Certificate, error) {
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Stat(p); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "tls: ")
		if strings.Contains(msg, "does not match") {
			msg = "the private key does not belong to the certificate"
		}
		return nil, fmt.Errorf("certificate %s with key %s: %s", certPath, keyPath, msg)
	}
	return &c, nil
}

// Fingerprint is the SHA-256 of the leaf certificate's DER, as uppercase
// hex pairs joined by colons (the form browsers and openssl show).
func Fingerprint(c *tls.Certificate) string {
	if c == nil || len(c.Certificate) == 0 {
		return ""
	}
	return FingerprintDER(c.Certificate[0])
}

// FingerprintDER is Fingerprint for a DER certificate (a peer's, say).
func FingerprintDER(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, v := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", v)
	}
	return b.String()
}

// Leaf parses the served certificate (for tests and the start-up banner).
func (r *Reloader) Leaf() (*x509.Certificate, error) {
	c := r.cur.Load()
	return x509.ParseCertificate(c.Certificate[0])
}
