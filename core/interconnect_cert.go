package core

import (
	"crypto/sha1" //nolint:gosec // SHA-1 is what Xiaomi's fingerprint is (notes §4.2), not a security choice of ours
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// MaxICCertificate bounds the certificate text a client may send: a 4096-bit
// RSA certificate in PEM is about 2 KiB.
const MaxICCertificate = 16 << 10

// ICCert is a signing certificate as the relay understands it.
type ICCert struct {
	DER []byte
	// Parsed is nil when Go's strict X.509 parser refused a DER that is still
	// a well-formed ASN.1 SEQUENCE (Android accepts certificates Go does not,
	// e.g. negative serials); such a certificate pairs by fingerprint but
	// cannot back a proof of possession.
	Parsed *x509.Certificate
}

// Fingerprint is the SHA-1 of the DER certificate, the value Xiaomi's
// watch and phone compare (notes §4.2), as upper-case hex pairs joined by
// ':' like keytool prints it.
func (c ICCert) Fingerprint() string {
	sum := sha1.Sum(c.DER) //nolint:gosec // see import
	return colonHex(sum[:])
}

// FingerprintSHA256 is for display only (notes §4.4 step 1).
func (c ICCert) FingerprintSHA256() string {
	sum := sha256.Sum256(c.DER)
	return colonHex(sum[:])
}

func colonHex(b []byte) string {
	const digits = "0123456789ABCDEF"
	var sb strings.Builder
	sb.Grow(len(b) * 3)
	for i, x := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteByte(digits[x>>4])
		sb.WriteByte(digits[x&15])
	}
	return sb.String()
}

// ErrICCertificate: the certificate field is not a certificate.
var ErrICCertificate = errors.New("core: bad interconnect certificate")

// ParseICCertificate reads a signing certificate given as PEM text (the
// certificate.pem of a quick app's sign/ folder) or as base64 of the DER
// bytes. A PEM that also carries a private key is refused: the key must
// never leave the developer's machine, and sending it is a mistake worth
// stopping.
func ParseICCertificate(s string) (ICCert, error) {
	if len(s) > MaxICCertificate {
		return ICCert{}, fmt.Errorf("%w: longer than %d bytes", ErrICCertificate, MaxICCertificate)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return ICCert{}, fmt.Errorf("%w: empty", ErrICCertificate)
	}
	var der []byte
	if strings.HasPrefix(s, "-----BEGIN") {
		rest := []byte(s)
		for {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if strings.Contains(b.Type, "PRIVATE KEY") {
				return ICCert{}, fmt.Errorf("%w: the PEM holds a private key; send the certificate only", ErrICCertificate)
			}
			if b.Type == "CERTIFICATE" && der == nil {
				der = b.Bytes
			}
		}
		if der == nil {
			return ICCert{}, fmt.Errorf("%w: no CERTIFICATE block in the PEM", ErrICCertificate)
		}
	} else {
		var err error
		if der, err = decodeBase64(s); err != nil {
			return ICCert{}, fmt.Errorf("%w: neither PEM nor base64 DER", ErrICCertificate)
		}
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return ICCert{DER: der, Parsed: c}, nil
	}
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil || len(rest) != 0 || seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return ICCert{}, fmt.Errorf("%w: not a DER certificate", ErrICCertificate)
	}
	return ICCert{DER: der}, nil
}

// decodeBase64 accepts standard or URL alphabets, padded or not, with line
// breaks (what base64 tools print).
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// ICProofContext prefixes the nonce a client signs, so a signature made for
// the relay cannot be replayed as anything else the key signs.
const ICProofContext = "switchboard interconnect proof v1\n"

// ErrICProof: the proof of possession does not verify.
var ErrICProof = errors.New("core: interconnect proof of possession failed")

// VerifyICProof checks sig over ICProofContext+nonce with the certificate's
// public key: RSA PKCS#1 v1.5 with SHA-256, ECDSA with SHA-256 (ASN.1
// signature) or Ed25519 (what Node's crypto.sign and Go's crypto.Signer
// produce for those keys).
func VerifyICProof(c ICCert, nonce, sig []byte) error {
	if c.Parsed == nil {
		return fmt.Errorf("%w: the certificate is not parsable X.509, so no key to verify with", ErrICProof)
	}
	msg := append([]byte(ICProofContext), nonce...)
	var algo x509.SignatureAlgorithm
	switch c.Parsed.PublicKeyAlgorithm {
	case x509.RSA:
		algo = x509.SHA256WithRSA
	case x509.ECDSA:
		algo = x509.ECDSAWithSHA256
	case x509.Ed25519:
		algo = x509.PureEd25519
	default:
		return fmt.Errorf("%w: unsupported key type %v", ErrICProof, c.Parsed.PublicKeyAlgorithm)
	}
	if err := c.Parsed.CheckSignature(algo, msg, sig); err != nil {
		return fmt.Errorf("%w: %v", ErrICProof, err)
	}
	return nil
}
