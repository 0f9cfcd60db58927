package gizapp

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// bindMACWindow is how far X-Gizwits-Timestamp may be from the server's
// clock (the Open API's 5 minutes, either way).
const bindMACWindow = 5 * time.Minute

// productSignature is lower(md5(product_secret + timestamp)), the
// X-Gizwits-Signature of POST /app/bind_mac, over the timestamp exactly as
// the client sent it.
func productSignature(productSecret, timestamp string) string {
	sum := md5.Sum([]byte(productSecret + timestamp))
	return hex.EncodeToString(sum[:])
}

// signatureValid compares a client's signature with the expected one in
// constant time; hex case does not matter.
func signatureValid(productSecret, timestamp, signature string) bool {
	want := productSignature(productSecret, timestamp)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(signature)), []byte(want)) == 1
}

// timestampFresh reports whether timestamp is unix seconds within
// bindMACWindow of now.
func timestampFresh(timestamp string, now time.Time) bool {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return false
	}
	d := now.Sub(time.Unix(ts, 0))
	return d <= bindMACWindow && d >= -bindMACWindow
}
