package aqara

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/switchboard-iot/switchboard/internal/httpjson"
	"math"
	"strconv"
)

// maxBody bounds request bodies. The largest documented request, a
// write.resource.device batch, stays far below it.
const maxBody = 64 << 10

// maxIntent bounds the intent name; the longest known one has 31 bytes.
const maxIntent = 128

// request is a parsed body {"intent": string, "data": any}.
type request struct {
	Intent string
	// Data is the raw data value; nil when absent or null (which means
	// "no data", notes §7: null is "use the default").
	Data json.RawMessage
}

// parseRequest parses a request body. It is a pure function of the bytes,
// so the fuzz target reaches all of it. Unknown top-level fields are
// ignored; bytes after the value are an error.
func parseRequest(body []byte) (request, error) {
	var raw struct {
		Intent *string         `json:"intent"`
		Data   json.RawMessage `json:"data"`
	}
	if err := decodeJSON(body, &raw); err != nil {
		return request{}, err
	}
	if raw.Intent == nil || *raw.Intent == "" {
		return request{}, errors.New(`"intent" is required`)
	}
	if len(*raw.Intent) > maxIntent {
		return request{}, fmt.Errorf(`"intent" longer than %d bytes`, maxIntent)
	}
	out := request{Intent: *raw.Intent}
	if d := bytes.TrimSpace(raw.Data); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		out.Data = d
	}
	return out, nil
}

// decodeJSON decodes exactly one JSON value into v with the project's one
// body decoder (internal/httpjson: numbers stay json.Number, its errors
// are worded for clients); a flexible-integer field's own complaint is
// passed through as the partner's message.
func decodeJSON(body []byte, v any) error {
	err := httpjson.Decode(body, v)
	var flex *flexIntError
	if errors.As(err, &flex) {
		return flex
	}
	return err
}

// decodeData decodes an intent's data into v, which must be a pointer to
// a struct. Absent or null data leaves v as it is (every field at its
// default); anything but an object is an error. Fields sent as null keep
// their defaults too (encoding/json leaves them alone).
func decodeData(data json.RawMessage, v any) error {
	if data == nil {
		return nil
	}
	if data[0] != '{' {
		return errors.New(`"data" must be an object`)
	}
	if err := decodeJSON(data, v); err != nil {
		return fmt.Errorf(`"data": %v`, err)
	}
	return nil
}

// flexInt is an integer field that clients send as a number or as a string
// of digits ([rust] sends pageNum and pageSize as strings); null keeps the
// default.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return &flexIntError{}
	}
	*f = flexInt(v)
	return nil
}

// flexIntError is a flexInt that is not an integer; its text is what the
// partner sees.
type flexIntError struct{}

func (*flexIntError) Error() string { return "pageNum and pageSize must be integers" }

// page turns pageNum (from 1) and pageSize into limit and offset, with
// defaults and a cap.
func page(num, size flexInt, defSize, maxSize int) (limit, offset int, err error) {
	n, s := int(num), int(size)
	if n == 0 {
		n = 1
	}
	if s == 0 {
		s = defSize
	}
	// n-1 is bounded so that the offset cannot overflow into a negative
	// number (FuzzIntentData found pageNum "9223372036854775807").
	if n < 1 || s < 1 || s > maxSize || n-1 > math.MaxInt/s {
		return 0, 0, fmt.Errorf("pageNum must be at least 1 and pageSize 1 to %d", maxSize)
	}
	return s, (n - 1) * s, nil
}

// decodeArray decodes data that must be a JSON array into v (a pointer to
// a slice).
func decodeArray(data json.RawMessage, v any) error {
	if data == nil || data[0] != '[' {
		return errors.New(`"data" must be an array`)
	}
	if err := decodeJSON(data, v); err != nil {
		return fmt.Errorf(`"data": %v`, err)
	}
	return nil
}
