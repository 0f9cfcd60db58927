package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/switchboard-iot/switchboard/internal/tlscert"
)

// Off as a listen address turns that listener off.
const Off = "off"

func isOff(addr string) bool { return addr == "" || addr == Off }

// loadCertificate prepares the certificate of the TLS listeners: the
// operator's pair, or the one generated in the data dir.
func (s *Server) loadCertificate() error {
	cfg := s.cfg
	certPath, keyPath := cfg.TLSCertFile, cfg.TLSKeyFile
	switch {
	case (certPath == "") != (keyPath == ""):
		return errors.New("--tls-cert and --tls-key: give both or neither")
	case certPath == "":
		var err error
		if certPath, keyPath, s.CertificateCreated, err = tlscert.EnsureGenerated(cfg.DataDir); err != nil {
			return fmt.Errorf("generated TLS certificate: %w", err)
		}
	}
	r, err := tlscert.NewReloader(certPath, keyPath)
	if err != nil {
		return err
	}
	s.cert = r
	return nil
}

// listenTLS binds the secure listeners that are on.
func (s *Server) listenTLS() error {
	var err error
	if !isOff(s.cfg.HTTPSAddr) {
		if s.httpsLn, err = net.Listen("tcp", s.cfg.HTTPSAddr); err != nil {
			return &ListenError{Flag: "--https-addr", Addr: s.cfg.HTTPSAddr, Err: unwrapSyscall(err)}
		}
	}
	if !isOff(s.cfg.MQTTSAddr) {
		if s.mqttsLn, err = net.Listen("tcp", s.cfg.MQTTSAddr); err != nil {
			return &ListenError{Flag: "--mqtts-addr", Addr: s.cfg.MQTTSAddr, Err: unwrapSyscall(err)}
		}
	}
	return nil
}

// httpsConfig serves HTTP/1.1 only: WebSocket upgrades need it, and the
// API's small JSON calls gain little from HTTP/2.
func (s *Server) httpsConfig() *tls.Config { return s.cert.ServerConfig("http/1.1") }

// ReloadCertificate reads the certificate files again (SIGHUP). New
// handshakes get the new certificate; connections up keep theirs and stay.
// On error the old certificate stays and the error is logged and returned.
func (s *Server) ReloadCertificate() error {
	if s.cert == nil {
		return errors.New("no TLS listener")
	}
	fp, err := s.cert.Reload()
	if err != nil {
		s.log.Error("TLS certificate not reloaded; keeping the old one", "err", err, "sha256", s.cert.Fingerprint())
		return err
	}
	s.log.Info("TLS certificate reloaded", "sha256", fp)
	return nil
}

// CertificateFingerprint is the SHA-256 fingerprint of the certificate the
// TLS listeners serve now ("" without TLS).
func (s *Server) CertificateFingerprint() string {
	if s.cert == nil {
		return ""
	}
	return s.cert.Fingerprint()
}

// CertificateFiles are the certificate and key paths served (empty without
// TLS).
func (s *Server) CertificateFiles() (certPath, keyPath string) {
	if s.cert == nil {
		return "", ""
	}
	return s.cert.Paths()
}

// HTTPSAddr is the bound HTTPS address (nil when off).
func (s *Server) HTTPSAddr() net.Addr { return addrOf(s.httpsLn) }

// MQTTSAddr is the bound MQTTS address (nil when off).
func (s *Server) MQTTSAddr() net.Addr { return s.gateway.TLSAddr() }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// portOf is an address's port, 0 for none.
func portOf(a net.Addr) int {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.Port
	}
	return 0
}

func addrString(a net.Addr) string {
	if a == nil {
		return Off
	}
	return a.String()
}
