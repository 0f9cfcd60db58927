package gizapp

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// hdrRequestID names one request in the response and in the log, so a
// client's report ("9008 at 10:02") leads an operator to the cause.
const hdrRequestID = "X-Request-Id"

// maxRequestIDLen bounds a client's own id; longer ones are replaced.
const maxRequestIDLen = 64

// setRequestID sets X-Request-Id on the response: the client's own when
// it sent a sane one (so ids from a proxy or an app's trace carry
// through), else a fresh random one.
func setRequestID(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(hdrRequestID)
	if !saneRequestID(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	w.Header().Set(hdrRequestID, id)
}

// saneRequestID accepts 1 to 64 characters of letters, digits and
// "-_.:", which cannot forge a log line or a header.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

// requestID is the id setRequestID gave the response.
func requestID(w http.ResponseWriter) string { return w.Header().Get(hdrRequestID) }
