// Package tlscert provides the certificate every TLS listener serves: an
// operator's pair from --tls-cert/--tls-key, or a self-signed one generated
// once into the data dir so the secure ports work with no set-up. The pair
// is held by a Reloader, so SIGHUP can swap it without dropping connections.
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// File names of the generated pair in the data dir.
const (
	CertFile = "tls-cert.pem"
	KeyFile  = "tls-key.pem"
)

// validity of a generated certificate: long, because nothing renews it and
// clients trust it by pinning the file, not by a CA's schedule.
const validity = 10 * 365 * 24 * time.Hour

// EnsureGenerated returns the paths of the generated pair in dir, creating it
// on first use (created is then true). Both files present are reused as they
// are; one of them alone is an error, so a half-deleted pair is not silently
// replaced by a certificate clients do not trust yet.
func EnsureGenerated(dir string) (certPath, keyPath string, created bool, err error) {
	certPath, keyPath = filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile)
	certOK, err := exists(certPath)
	if err != nil {
		return "", "", false, err
	}
	keyOK, err := exists(keyPath)
	if err != nil {
		return "", "", false, err
	}
	switch {
	case certOK && keyOK:
		return certPath, keyPath, false, nil
	case certOK != keyOK:
		return "", "", false, fmt.Errorf("%s and %s: only one of the pair exists; remove it to generate a new pair", certPath, keyPath)
	}
	certPEM, keyPEM, err := Generate(Hosts())
	if err != nil {
		return "", "", false, err
	}
	// The key first: a crash between the two leaves "only one of the pair",
	// which is reported, never a certificate without its key.
	if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
		return "", "", false, err
	}
	if err := writeFile(certPath, certPEM, 0o644); err != nil {
		return "", "", false, err
	}
	return certPath, keyPath, true, nil
}

// Hosts are the names a generated certificate is valid for: loopback by
// name and address, and this machine's host name.
func Hosts() []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		hosts = append(hosts, h)
	}
	return hosts
}

// Generate makes a self-signed ECDSA P-256 certificate for hosts (names or
// IP addresses) and returns it and its key, PEM-encoded.
func Generate(hosts []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"Switchboard"}, CommonName: "Switchboard self-signed"},
		NotBefore:    now.Add(-time.Hour), // tolerate clients whose clock is a little behind
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// A CA of itself: clients given the file as their trust anchor
		// (curl --cacert, paho's RootCAs) accept it as a root.
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// writeFile writes through a temporary file and a rename, so a reader (or
// a crash) never sees half a file, and with mode set from the start.
func writeFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
