package datapoint

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Operations on a field wrap them in a *[FieldError];
// payload-level decoding failures come wrapped in a *[PayloadError];
// Compile and ParseProduct return a *[SchemaError] that matches
// ErrInvalidSchema. Test with errors.Is.
var (
	// ErrUnknownField: no datapoint of that name, or a flags bitmap names a
	// datapoint the schema does not have.
	ErrUnknownField = errors.New("datapoint: unknown field")
	// ErrType: a value of a Go type the field cannot take.
	ErrType = errors.New("datapoint: wrong value type")
	// ErrRange: a value outside what the field can hold.
	ErrRange = errors.New("datapoint: value out of range")
	// ErrNotWritable: a write names a read-only, alert or fault datapoint.
	ErrNotWritable = errors.New("datapoint: field is not writable")
	// ErrShortPayload: the payload ends before the schema says it should.
	ErrShortPayload = errors.New("datapoint: payload too short")
	// ErrUnknownAction: an action byte this codec does not know, or one
	// that belongs to the other protocol type (0x01–0x04 on a var_len
	// product, 0x11–0x14 on a fixed-length one).
	ErrUnknownAction = errors.New("datapoint: unknown action")
	// ErrTrailing: the payload has bytes beyond what the schema describes.
	ErrTrailing = errors.New("datapoint: trailing bytes in payload")
	// ErrInvalidSchema: the product definition cannot be compiled.
	ErrInvalidSchema = errors.New("datapoint: invalid product definition")
)

// msg returns a sentinel's text without the package prefix, for use
// inside another error's message.
func msg(err error) string { return strings.TrimPrefix(err.Error(), "datapoint: ") }

// FieldError reports an error about one datapoint. Err is one of the
// sentinels (test it with errors.Is); Reason is a short phrase about the
// value, free of Go error text, that completes a sentence starting with
// the field's name ("must be true or false"). [FieldError.Detail] joins
// the two, and is what an adapter may show a client.
type FieldError struct {
	Field  string // the datapoint's name
	Err    error  // a sentinel
	Reason string // may be empty: Detail then derives one from Err
}

func (e *FieldError) Error() string {
	s := "datapoint: field " + strconv.Quote(e.Field) + ": " + msg(e.Err)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func (e *FieldError) Unwrap() error { return e.Err }

// Detail is the client-facing text: the field's name and what is wrong
// with it, e.g. "LED_R must be a number from 0 to 254 in steps of 1".
func (e *FieldError) Detail() string {
	reason := e.Reason
	if reason == "" {
		switch {
		case errors.Is(e.Err, ErrUnknownField):
			reason = "is not a datapoint of this product"
		case errors.Is(e.Err, ErrNotWritable):
			reason = "is not writable"
		case errors.Is(e.Err, ErrType):
			reason = "has the wrong type"
		case errors.Is(e.Err, ErrRange):
			reason = "is out of range"
		default:
			reason = "is invalid"
		}
	}
	return shownName(e.Field) + " " + reason
}

// shownName is a field name as Detail writes it: as it is when it is a
// short run of printable characters (every real datapoint name), else
// quoted and cut, since an unknown name comes from the client.
func shownName(name string) string {
	const most = 64
	plain := len(name) > 0 && len(name) <= most
	for _, r := range name {
		if !plain {
			break
		}
		plain = r > ' ' && r != '"' && r != 0x7f && r != utf8.RuneError && unicode.IsPrint(r)
	}
	if plain {
		return name
	}
	if len(name) > most {
		name = name[:most]
	}
	return strconv.Quote(name)
}

// PayloadError reports a payload that does not fit the schema as a whole.
type PayloadError struct {
	Action byte // the payload's action byte (0 when the payload was empty)
	Offset int  // index in the payload of the byte at fault, or its length when it ended early
	Err    error
}

func (e *PayloadError) Error() string {
	return "datapoint: action 0x" + strconv.FormatUint(uint64(e.Action), 16) + ": " + msg(e.Err) +
		" (at byte " + strconv.Itoa(e.Offset) + ")"
}

func (e *PayloadError) Unwrap() error { return e.Err }

// SchemaError reports why a product definition was rejected. It matches
// ErrInvalidSchema with errors.Is, and Err (a JSON syntax error, say) when
// set.
type SchemaError struct {
	Attr   string // the attr's name, or "" for a problem with the product as a whole
	Index  int    // the attr's index in entities[0].attrs, or -1
	Reason string
	Err    error // underlying error, may be nil
}

func (e *SchemaError) Error() string {
	s := "datapoint: invalid product definition: "
	if e.Index >= 0 {
		s += "attr " + strconv.Itoa(e.Index)
		if e.Attr != "" {
			s += " (" + strconv.Quote(e.Attr) + ")"
		}
		s += ": "
	}
	s += e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *SchemaError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidSchema}
	}
	return []error{ErrInvalidSchema, e.Err}
}
