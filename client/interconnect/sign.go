package interconnect

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
)

// Sign makes the proof of possession over the relay's nonce with key:
// Ed25519 signs the message itself, RSA (PKCS#1 v1.5) and ECDSA sign its
// SHA-256, which is what the relay verifies.
func Sign(key crypto.Signer, nonce []byte) ([]byte, error) {
	msg := append([]byte(ProofContext), nonce...)
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	sum := sha256.Sum256(msg)
	return key.Sign(rand.Reader, sum[:], crypto.SHA256)
}
