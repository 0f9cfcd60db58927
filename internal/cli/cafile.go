package cli

import (
	"crypto/x509"
	"errors"
	"os"
)

// loadCAFile returns the system's roots plus the CA certificates of a PEM
// file, for verifying partners' push URLs.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New(path + ": no PEM certificate in it")
	}
	return pool, nil
}
