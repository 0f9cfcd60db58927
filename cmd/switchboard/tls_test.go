package main_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/tlscert"
)

var tlsStartedRe = regexp.MustCompile(`msg="switchboard started" .* https=(\S+) mqtts=(\S+)`)

// tlsAddrs are the HTTPS and MQTTS addresses a started node logged.
func (n *node) tlsAddrs(t *testing.T) (https, mqtts string) {
	t.Helper()
	m := tlsStartedRe.FindStringSubmatch(n.stderr.String())
	if m == nil {
		t.Fatalf("no TLS addresses in the start line:\n%s", n.stderr)
	}
	return m[1], m[2]
}

func fingerprintAt(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // read, not trust
	if err != nil {
		t.Fatalf("tls dial %s: %v", addr, err)
	}
	defer c.Close()
	return tlscert.FingerprintDER(c.ConnectionState().PeerCertificates[0].Raw)
}

// healthOn sends GET /healthz on an open connection and reads the status.
func healthOn(t *testing.T, c *tls.Conn, r *bufio.Reader) int {
	t.Helper()
	if _, err := fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatalf("write on the kept connection: %v", err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("read on the kept connection: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSIGHUPReloadsCertificate: the binary prints the generated
// certificate's fingerprint, and SIGHUP after the files change serves the
// new certificate to new connections on both TLS ports while a connection
// from before keeps working; a broken file on the next SIGHUP is logged and
// the last good certificate stays.
func TestSIGHUPReloadsCertificate(t *testing.T) {
	n := startServe(t, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0")
	httpsAddr, mqttsAddr := n.tlsAddrs(t)
	old := fingerprintAt(t, httpsAddr)
	n.waitStdout(t, "SHA-256 "+old)
	kept, err := tls.Dial("tcp", httpsAddr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	keptR := bufio.NewReader(kept)
	if s := healthOn(t, kept, keptR); s != 200 {
		t.Fatalf("healthz %d", s)
	}

	certPEM, keyPEM, err := tlscert.Generate(tlscert.Hosts())
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(n.dataDir, tlscert.CertFile), filepath.Join(n.dataDir, tlscert.KeyFile)
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var fresh string
	deadline := time.Now().Add(10 * time.Second)
	for fresh = fingerprintAt(t, httpsAddr); fresh == old; fresh = fingerprintAt(t, httpsAddr) {
		if time.Now().After(deadline) {
			t.Fatal("HTTPS still serves the old certificate 10 s after SIGHUP")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := fingerprintAt(t, mqttsAddr); got != fresh {
		t.Fatalf("MQTTS serves %s after SIGHUP, HTTPS %s", got, fresh)
	}
	if s := healthOn(t, kept, keptR); s != 200 {
		t.Fatalf("kept connection after SIGHUP: healthz %d", s)
	}
	if got := tlscert.FingerprintDER(kept.ConnectionState().PeerCertificates[0].Raw); got != old {
		t.Fatalf("kept connection's certificate changed to %s", got)
	}

	if err := os.WriteFile(certPath, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(n.stderr.String(), "TLS certificate not reloaded") {
		if time.Now().After(deadline) {
			t.Fatal("no log line for the failed reload")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := fingerprintAt(t, httpsAddr); got != fresh {
		t.Fatalf("after a failed reload HTTPS serves %s, want %s", got, fresh)
	}
	n.terminate(t)
}

// TestMismatchedCertificateIsOneLine: a key that is not the certificate's
// stops the start with one line naming the files.
func TestMismatchedCertificateIsOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name string) (string, string) {
		c, k, err := tlscert.Generate([]string{"localhost"})
		if err != nil {
			t.Fatal(err)
		}
		cp, kp := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		if err := os.WriteFile(cp, c, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(kp, k, 0o600); err != nil {
			t.Fatal(err)
		}
		return cp, kp
	}
	cert, _ := write("one")
	_, key := write("two")
	line := failServe(t, serveCmd(t, t.TempDir(), "--tls-cert", cert, "--tls-key", key))
	want := "switchboard: certificate " + cert + " with key " + key + ": the private key does not belong to the certificate"
	if line != want {
		t.Fatalf("stderr %q, want %q", line, want)
	}
	line = failServe(t, serveCmd(t, t.TempDir(), "--tls-cert", cert))
	if line != "switchboard: --tls-cert and --tls-key: give both or neither" {
		t.Fatalf("cert without key: %q", line)
	}
}

// TestPlainListenersOff: with --http-addr "" and --mqtt-addr off only the
// TLS ports listen, and the start line says so.
func TestPlainListenersOff(t *testing.T) {
	n := startServe(t, nil, "--http-addr", "", "--mqtt-addr", "off")
	if !strings.Contains(n.stderr.String(), "http=off mqtt=off") {
		t.Fatalf("start line does not say the plain listeners are off:\n%s", n.stderr)
	}
	httpsAddr, _ := n.tlsAddrs(t)
	if fingerprintAt(t, httpsAddr) == "" {
		t.Fatal("no certificate on HTTPS")
	}
	n.terminate(t)
}
