package gizapp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard-iot/switchboard/internal/httpjson"
)

// Request bodies are parsed by pure functions of the bytes (here: the
// control body; bindings_parse.go and userupdate.go hold the rest), so the
// fuzz targets in fuzz_test.go reach all of it without a server. Every one
// decodes JSON with internal/httpjson, as the other HTTP adapters do.

// controlRequest is a parsed POST /app/control/{did} body.
type controlRequest struct {
	// Attrs are datapoint values as httpjson.Decode leaves them; binary values
	// are hex strings (notes §3.6), or base64 when Base64.
	Attrs  map[string]any
	Base64 bool
	// Raw is a whole P0 frame for the device.
	Raw []byte
}

// maxRaw bounds a raw frame; the P0 length field of a device frame does not
// go near it.
const maxRaw = 16 << 10

// parseControl reads {"attrs":{...}} and/or {"raw":...}. raw is an array of
// byte numbers (the documented default) or, as the Open API's binary_coding
// option allows, a hex string (or base64 with "binary_coding":"base64").
func parseControl(body []byte) (controlRequest, error) {
	var req struct {
		Attrs        map[string]any  `json:"attrs"`
		Raw          json.RawMessage `json:"raw"`
		BinaryCoding string          `json:"binary_coding"`
	}
	if err := httpjson.Decode(body, &req); err != nil {
		return controlRequest{}, err
	}
	out := controlRequest{Attrs: req.Attrs}
	switch strings.ToLower(req.BinaryCoding) {
	case "", "hex", "hex16":
	case "base64":
		out.Base64 = true
	default:
		return controlRequest{}, errors.New("binary_coding must be hex or base64")
	}
	raw, err := parseRaw(req.Raw, out.Base64)
	if err != nil {
		return controlRequest{}, err
	}
	out.Raw = raw
	if len(out.Attrs) == 0 && len(out.Raw) == 0 {
		return controlRequest{}, errors.New(`give "attrs" or "raw"`)
	}
	return out, nil
}

// parseRaw decodes the raw field: absent or null, [bytes], or a string.
func parseRaw(m json.RawMessage, b64 bool) ([]byte, error) {
	m = bytes.TrimSpace(m)
	if len(m) == 0 || string(m) == "null" {
		return nil, nil
	}
	var out []byte
	switch m[0] {
	case '[':
		var nums []int
		if err := json.Unmarshal(m, &nums); err != nil {
			return nil, errors.New("raw must be an array of integers 0 to 255")
		}
		out = make([]byte, len(nums))
		for i, n := range nums {
			if n < 0 || n > 255 {
				return nil, fmt.Errorf("raw[%d] = %d is not a byte", i, n)
			}
			out[i] = byte(n)
		}
	case '"':
		var s string
		if err := json.Unmarshal(m, &s); err != nil {
			return nil, errors.New("raw string is not valid JSON")
		}
		var err error
		if b64 {
			out, err = base64.StdEncoding.DecodeString(s)
		} else {
			out, err = hex.DecodeString(s)
		}
		if err != nil && b64 {
			return nil, errors.New("raw string is not base64")
		}
		if err != nil {
			return nil, errors.New("raw string is not hex")
		}
	default:
		return nil, errors.New("raw must be an array of bytes or a string")
	}
	if len(out) > maxRaw {
		return nil, fmt.Errorf("raw longer than %d bytes", maxRaw)
	}
	return out, nil
}
