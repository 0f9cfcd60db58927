package tlscert_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/tlscert"
)

// TestGenerateOnceThenReuse: the first call writes a pair (key 0600) valid
// for loopback names and this host; the second reuses it unchanged.
func TestGenerateOnceThenReuse(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath, created, err := tlscert.EnsureGenerated(dir)
	if err != nil || !created {
		t.Fatalf("first EnsureGenerated: created=%v err=%v", created, err)
	}
	st, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v, want 0600", st.Mode().Perm())
	}
	r, err := tlscert.NewReloader(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	first := r.Fingerprint()
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(first) {
		t.Fatalf("fingerprint %q is not 32 colon-separated hex pairs", first)
	}
	leaf, err := r.Leaf()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range tlscert.Hosts() {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("generated certificate not valid for %s: %v", h, err)
		}
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("key algorithm %v, want ECDSA", leaf.PublicKeyAlgorithm)
	}

	_, _, created, err = tlscert.EnsureGenerated(dir)
	if err != nil || created {
		t.Fatalf("second EnsureGenerated: created=%v err=%v, want reuse", created, err)
	}
	again, err := tlscert.NewReloader(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint() != first {
		t.Fatalf("fingerprint changed on reuse: %s then %s", first, again.Fingerprint())
	}
}

// TestHalfPairRefused: a generated pair with one file gone is reported,
// not replaced.
func TestHalfPairRefused(t *testing.T) {
	dir := t.TempDir()
	_, keyPath, _, err := tlscert.EnsureGenerated(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := tlscert.EnsureGenerated(dir); err == nil || !strings.Contains(err.Error(), "only one of the pair") {
		t.Fatalf("EnsureGenerated with the key gone: %v", err)
	}
}

func writePair(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	certPEM, keyPEM, err := tlscert.Generate([]string{"device.example", "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c, k := filepath.Join(dir, name+"-cert.pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(c, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(k, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return c, k
}

// handshakeListener serves one TLS handshake with an operator's pair
// (written as the files c and its key) and returns the pair's file, its
// reloader and the listener.
func handshakeListener(t *testing.T) (string, *tlscert.Reloader, net.Listener) {
	t.Helper()
	c, k := writePair(t, t.TempDir(), "given")
	r, err := tlscert.NewReloader(c, k)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", r.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			_ = conn.(*tls.Conn).Handshake()
			conn.Close()
		}
	}()
	return c, r, ln
}

// TestLoadGivenPair: an operator's pair loads, and a TLS client trusting
// it completes a handshake and sees the same fingerprint.
func TestLoadGivenPair(t *testing.T) {
	c, r, ln := handshakeListener(t)
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(c)
	pool.AppendCertsFromPEM(pem)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "device.example"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := tlscert.FingerprintDER(conn.ConnectionState().PeerCertificates[0].Raw); got != r.Fingerprint() {
		t.Fatalf("peer fingerprint %s, want %s", got, r.Fingerprint())
	}
	if v := conn.ConnectionState().Version; v < tls.VersionTLS12 {
		t.Fatalf("negotiated version %x", v)
	}
}

// TestOldTLSRefused: a client that offers at most TLS 1.1 gets no handshake.
func TestOldTLSRefused(t *testing.T) {
	_, _, ln := handshakeListener(t)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
	if err == nil {
		conn.Close()
		t.Fatal("TLS 1.1 handshake succeeded")
	}
}

// TestMismatchedPairRefused: a key of another certificate is one clear line.
func TestMismatchedPairRefused(t *testing.T) {
	dir := t.TempDir()
	c1, _ := writePair(t, dir, "one")
	_, k2 := writePair(t, dir, "two")
	_, err := tlscert.NewReloader(c1, k2)
	if err == nil {
		t.Fatal("mismatched pair loaded")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "does not belong to the certificate") || !strings.Contains(msg, c1) {
		t.Fatalf("error %q: want one line naming the file and the mismatch", msg)
	}
	if _, err := tlscert.NewReloader(filepath.Join(dir, "missing.pem"), k2); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestReloadKeepsOldOnError: Reload swaps to a new valid pair, and a broken
// file afterwards leaves the last good certificate served.
func TestReloadKeepsOldOnError(t *testing.T) {
	dir := t.TempDir()
	c, k := writePair(t, dir, "live")
	r, err := tlscert.NewReloader(c, k)
	if err != nil {
		t.Fatal(err)
	}
	old := r.Fingerprint()
	c2, k2 := writePair(t, dir, "next")
	for _, mv := range [][2]string{{c2, c}, {k2, k}} {
		if err := os.Rename(mv[0], mv[1]); err != nil {
			t.Fatal(err)
		}
	}
	fp, err := r.Reload()
	if err != nil || fp == old || r.Fingerprint() != fp {
		t.Fatalf("Reload: fp=%s err=%v (old %s)", fp, err, old)
	}
	if err := os.WriteFile(c, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Reload(); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	got, _ := r.GetCertificate(&tls.ClientHelloInfo{Conn: nil})
	if tlscert.Fingerprint(got) != fp {
		t.Fatalf("after a failed reload the served certificate is %s, want %s", tlscert.Fingerprint(got), fp)
	}
}
