// Package httpjson reads JSON request bodies the same way for every HTTP
// adapter: bounded in size, exactly one JSON value, numbers kept as
// json.Number, and errors worded for the client (the decoder's own text
// names Go types, which are no business of the client's). Each adapter
// maps an *Error to its own vendor code.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Error is why a body was refused. Message is fit for the client; the
// cause (for the log, and for errors.As on errors of a custom
// UnmarshalJSON) is behind Unwrap.
type Error struct {
	Message string
	// TooLarge is set when the body exceeded the limit.
	TooLarge bool
	// Unread is set when reading the body failed for another reason (the
	// client went away mid-body); adapters log these.
	Unread bool
	err    error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.err }

// Read reads r's body up to limit bytes. A longer body is an *Error with
// TooLarge set; w learns that the connection is not to be reused (as
// http.MaxBytesReader does).
func Read(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return body, nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &Error{Message: "body larger than " + size(tooBig.Limit), TooLarge: true, err: err}
	}
	return nil, &Error{Message: "body could not be read", Unread: true, err: err}
}

// Decode decodes exactly one JSON value of body into v. Numbers stay
// json.Number, so datapoint values keep their exact text; bytes after the
// value are an error (a truncated concatenation is not a request); unknown
// fields are ignored (clients send extras such as "lang").
func Decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &Error{Message: message(err), err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{Message: "body has data after the JSON value", err: err}
	}
	return nil
}

// ReadDecode is Read then Decode.
func ReadDecode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := Read(w, r, limit)
	if err != nil {
		return err
	}
	return Decode(body, v)
}

// message says in the client's terms why a body did not decode.
func message(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "empty body"
	case errors.As(err, &syntax):
		return fmt.Sprintf("body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Sprintf("%s has the wrong type (%s)", typ.Field, typ.Value)
	case errors.As(err, &typ):
		return fmt.Sprintf("body has the wrong type (%s)", typ.Value)
	}
	return "body is not valid JSON"
}

// size renders a limit as people write it: "64 KiB", "1 MiB", "100 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
