// Package proof is the one definition of the interconnect relay's proof of
// possession (docs/protocol-interconnect.md, "Proof of possession"): the
// bytes a client signs over the relay's nonce, and which signature scheme
// each key type uses. The relay verifies with Verify, the Go client signs
// with Sign; the JavaScript SDKs follow the same documented format, which
// proof_test.go pins against their source.
//
// It imports nothing of the relay, so a client links it without the server.
package proof

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
)

// Context prefixes the nonce a client signs, so a signature made for the
// relay cannot be replayed as anything else the key signs.
const Context = "switchboard interconnect proof v1\n"

// Message is what is signed: Context followed by the nonce.
func Message(nonce []byte) []byte {
	msg := make([]byte, 0, len(Context)+len(nonce))
	msg = append(msg, Context...)
	return append(msg, nonce...)
}

// Sign makes the proof over nonce with key: Ed25519 signs the message
// itself, RSA (PKCS#1 v1.5) and ECDSA sign its SHA-256 (what Node's
// crypto.sign does for those keys too).
func Sign(key crypto.Signer, nonce []byte) ([]byte, error) {
	msg := Message(nonce)
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	sum := sha256.Sum256(msg)
	return key.Sign(rand.Reader, sum[:], crypto.SHA256)
}

// Verify checks sig over Message(nonce) with cert's public key: RSA
// PKCS#1 v1.5 with SHA-256, ECDSA with SHA-256 (ASN.1 signature) or
// Ed25519, the schemes Sign uses.
func Verify(cert *x509.Certificate, nonce, sig []byte) error {
	var algo x509.SignatureAlgorithm
	switch cert.PublicKeyAlgorithm {
	case x509.RSA:
		algo = x509.SHA256WithRSA
	case x509.ECDSA:
		algo = x509.ECDSAWithSHA256
	case x509.Ed25519:
		algo = x509.PureEd25519
	default:
		return fmt.Errorf("unsupported key type %v", cert.PublicKeyAlgorithm)
	}
	return cert.CheckSignature(algo, Message(nonce), sig)
}
