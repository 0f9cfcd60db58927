package aqarasign

import "errors"

// Sentinel errors. [VerifyRequest] and [VerifyPush] return them wrapped in
// a *[HeaderError] that names the header at fault; test with errors.Is.
var (
	// ErrMissingHeader: a required header is absent or empty.
	ErrMissingHeader = errors.New("aqarasign: missing header")
	// ErrBadNonce: the nonce is not 5–64 ASCII letters and digits.
	ErrBadNonce = errors.New("aqarasign: malformed nonce")
	// ErrBadTime: the time is not a decimal integer of milliseconds since
	// the Unix epoch (signs, spaces and fractions are refused, and so is a
	// value below 1e11, which is a Unix time in seconds sent by mistake).
	ErrBadTime = errors.New("aqarasign: malformed time")
	// ErrStale: the signature is valid but the time is further than the
	// window from now, in either direction.
	ErrStale = errors.New("aqarasign: time outside window")
	// ErrBadSign: the signature is not 32 hex digits, does not match, or
	// the key passed in to check it is empty.
	ErrBadSign = errors.New("aqarasign: signature mismatch")
)

// HeaderError records which header failed verification.
type HeaderError struct {
	Header string // canonical header name, e.g. "Nonce" or "sign"
	Err    error  // one of the sentinels above
	Detail string // optional human-readable explanation; may be empty
}

func (e *HeaderError) Error() string {
	s := e.Err.Error() + " (" + e.Header + ")"
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel, so errors.Is(err, ErrStale) works.
func (e *HeaderError) Unwrap() error { return e.Err }
