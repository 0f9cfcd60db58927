package core

import (
	"errors"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
)

// InputError refuses a caller's value in words a client may be shown:
// Field names the parameter or datapoint (may be empty), Reason completes
// a sentence that starts with it ("must be 6 to 128 characters"). It
// matches ErrInvalidInput with errors.Is. Err, when set, is the cause
// (a P0 decoding error, say): it appears in Error, which goes to the
// log, never in Detail, which goes to the client.
type InputError struct {
	Field  string
	Reason string
	Err    error
}

func invalidInput(field, reason string) *InputError {
	return &InputError{Field: field, Reason: reason}
}

func (e *InputError) Error() string {
	s := "core: invalid input: " + e.Detail()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Detail is the client-facing text, e.g. "password must be 6 to 128
// characters".
func (e *InputError) Detail() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + " " + e.Reason
}

func (e *InputError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidInput}
	}
	return []error{ErrInvalidInput, e.Err}
}

// Detail returns what a client may be shown about err: the Detail of the
// first *InputError or *datapoint.FieldError in its chain, or "" when err
// carries nothing meant for clients (then the adapter's code and vendor
// message say it all, and the chain goes to the log).
func Detail(err error) string {
	var ie *InputError
	if errors.As(err, &ie) {
		return ie.Detail()
	}
	var fe *datapoint.FieldError
	if errors.As(err, &fe) {
		return fe.Detail()
	}
	return ""
}
