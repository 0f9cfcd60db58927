package relay

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

	"github.com/switchboard-iot/switchboard/relay/proof"
)

// MaxCertificate bounds the certificate text a client may send: a 4096-bit
// RSA certificate in PEM is about 2 KiB.
const MaxCertificate = 16 << 10

// Cert is a signing certificate as the relay understands it.
type Cert struct {
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
func (c Cert) Fingerprint() string {
	sum := sha1.Sum(c.DER) //nolint:gosec // see import
	return colonHex(sum[:])
}

// FingerprintSHA256 is for display only (notes §4.4 step 1).
func (c Cert) FingerprintSHA256() string {
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

// ErrCertificate: the certificate field is not a certificate.
var ErrCertificate = errors.New("relay: bad interconnect certificate")

// ParseCertificate reads a signing certificate given as PEM text (the
// certificate.pem of a quick app's sign/ folder) or as base64 of the DER
// bytes. A PEM that also carries a private key is refused: the key must
// never leave the developer's machine, and sending it is a mistake worth
// stopping.
func ParseCertificate(s string) (Cert, error) {
	if len(s) > MaxCertificate {
		return Cert{}, fmt.Errorf("%w: longer than %d bytes", ErrCertificate, MaxCertificate)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Cert{}, fmt.Errorf("%w: empty", ErrCertificate)
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
				return Cert{}, fmt.Errorf("%w: the PEM holds a private key; send the certificate only", ErrCertificate)
			}
			if b.Type == "CERTIFICATE" && der == nil {
				der = b.Bytes
			}
		}
		if der == nil {
			return Cert{}, fmt.Errorf("%w: no CERTIFICATE block in the PEM", ErrCertificate)
		}
	} else {
		var err error
		if der, err = decodeBase64(s); err != nil {
			return Cert{}, fmt.Errorf("%w: neither PEM nor base64 DER", ErrCertificate)
		}
	}
	if c, err := x509.ParseCertificate(der); err == nil {
		return Cert{DER: der, Parsed: c}, nil
	}
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil || len(rest) != 0 || seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
		return Cert{}, fmt.Errorf("%w: not a DER certificate", ErrCertificate)
	}
	return Cert{DER: der}, nil
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

// ErrProof: the proof of possession does not verify.
var ErrProof = errors.New("relay: interconnect proof of possession failed")

// VerifyProof checks sig over the relay's nonce with the certificate's
// public key, as package proof defines it (the one place the signed text
// and the schemes are spelled).
func VerifyProof(c Cert, nonce, sig []byte) error {
	if c.Parsed == nil {
		return fmt.Errorf("%w: the certificate is not parsable X.509, so no key to verify with", ErrProof)
	}
	if err := proof.Verify(c.Parsed, nonce, sig); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	return nil
}
