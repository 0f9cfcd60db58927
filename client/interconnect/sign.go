package interconnect

import (
	"crypto"

	"github.com/switchboard-iot/switchboard/relay/proof"
)

// ProofContext is what the relay expects signed before the nonce.
const ProofContext = proof.Context

// Sign makes the proof of possession over the relay's nonce with key:
// Ed25519 signs the message itself, RSA (PKCS#1 v1.5) and ECDSA sign its
// SHA-256, which is what the relay verifies (package proof holds both
// sides).
func Sign(key crypto.Signer, nonce []byte) ([]byte, error) {
	return proof.Sign(key, nonce)
}
