package core

import (
	"crypto/rand"
	"encoding/hex"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// DIDLen is the length GAgent insists on (notes §1.1).
const DIDLen = 22

// NewDID returns a random 22-character base62 did (about 131 bits).
func NewDID() string { return randomString(DIDLen, base62) }

// NewPasscode returns a 10-character upper-case passcode, GAgent's shape.
func NewPasscode() string { return randomString(10, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") }

// NewKey returns 32 lower-case hex characters (128 random bits), the shape of
// Gizwits product keys, product secrets, app ids and app secrets.
func NewKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("core: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// randomString draws n characters from alphabet without modulo bias.
func randomString(n int, alphabet string) string {
	out := make([]byte, n)
	limit := 256 - 256%len(alphabet)
	var buf [64]byte
	for i := 0; i < n; {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("core: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out[i] = alphabet[int(b)%len(alphabet)]
			i++
			if i == n {
				break
			}
		}
	}
	return string(out)
}

// IsDID reports whether s has the shape of a did.
func IsDID(s string) bool {
	if len(s) != DIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
