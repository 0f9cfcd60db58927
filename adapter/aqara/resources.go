package aqara

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
)

// The one mapping between Gizwits datapoints and Aqara resources
// (docs/protocol-aqara.md, "Resources"):
//
//   - subjectId is the device's did; model is its product key.
//   - resourceId is the datapoint's name (identifier), e.g. "switch".
//     Aqara's ids ("4.1.85") are opaque strings to every client, and the
//     name is the one stable key a product schema has.
//   - value is a string, as in Aqara: bool "0"/"1"; enum the index
//     ("0", "1", ...; a write also takes the label); number the shown
//     value in decimal (ratio and addition applied); binary lower-case hex.
//     A write takes exactly these forms: no "true", no spaces, no
//     exponents or hex floats, and a number must be an exact step of the
//     datapoint (datapoint.Schema.Set refuses 3.5 where the step is 1).
//   - access: 2 (read/write) for status_writable, 0 (read) otherwise.

// resourceValue renders a shown datapoint value (as the core keeps it in
// JSON: bool, label string, number, byte array) as an Aqara value string.
func resourceValue(f datapoint.Field, shown json.RawMessage) (string, error) {
	switch f.Kind {
	case datapoint.KindBool:
		var b bool
		if err := json.Unmarshal(shown, &b); err != nil {
			return "", err
		}
		if b {
			return "1", nil
		}
		return "0", nil
	case datapoint.KindEnum:
		var label string
		if err := json.Unmarshal(shown, &label); err == nil {
			for i, l := range f.Enum {
				if l == label {
					return strconv.Itoa(i), nil
				}
			}
			return "", fmt.Errorf("enum %s: unknown label %q", f.Name, label)
		}
		var idx float64 // an index past the labels is shown as a number
		if err := json.Unmarshal(shown, &idx); err != nil {
			return "", err
		}
		return strconv.FormatFloat(idx, 'f', -1, 64), nil
	case datapoint.KindUint:
		var y float64
		if err := json.Unmarshal(shown, &y); err != nil {
			return "", err
		}
		return strconv.FormatFloat(y, 'f', -1, 64), nil
	default: // binary: a JSON array of byte numbers
		var bs []byte
		var nums []int
		if err := json.Unmarshal(shown, &nums); err != nil {
			return "", err
		}
		for _, n := range nums {
			bs = append(bs, byte(n))
		}
		return hex.EncodeToString(bs), nil
	}
}

// decimal is the number form of a value string: an optional minus,
// digits, and an optional fraction.
var decimal = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// writeValue parses an Aqara value string for datapoint f into the form
// datapoint.Schema.Set takes, which checks range and step. Its error is a
// *datapoint.FieldError, whose Detail is the partner's msgDetails.
func writeValue(f datapoint.Field, v string) (any, error) {
	refuse := func(reason string) error {
		return &datapoint.FieldError{Field: f.Name, Err: datapoint.ErrType, Reason: reason}
	}
	switch f.Kind {
	case datapoint.KindBool:
		switch v {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, refuse(`must be "0" or "1"`)
	case datapoint.KindEnum:
		if decimal.MatchString(v) && !strings.ContainsAny(v, "-.") {
			i, err := strconv.Atoi(v)
			if err != nil {
				return nil, refuse("must be one of its labels or an index from 0 to " + strconv.Itoa(len(f.Enum)-1))
			}
			return float64(i), nil
		}
		return v, nil // a label
	case datapoint.KindUint:
		if !decimal.MatchString(v) {
			return nil, refuse("must be a decimal number")
		}
		y, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, refuse("must be a decimal number")
		}
		return y, nil
	default:
		return v, nil // hex; Set checks it
	}
}

// resourceInfo is one entry of query.resource.info.
type resourceInfo struct {
	Enums        string `json:"enums"`
	ResourceID   string `json:"resourceId"`
	MinValue     string `json:"minValue"`
	Unit         string `json:"unit"`
	Access       int    `json:"access"`
	MaxValue     string `json:"maxValue"`
	DefaultValue string `json:"defaultValue"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Model        string `json:"model"`
}

// describe renders a datapoint as a resource. Enums are "index:label"
// pairs joined by commas; min and max are shown values (strings, as in
// Aqara); the default is the value a fresh device reports (raw 0).
func describe(model string, f datapoint.Field) resourceInfo {
	ri := resourceInfo{ResourceID: f.Name, Name: f.DisplayName, Description: f.Desc, Model: model}
	if ri.Name == "" {
		ri.Name = f.Name
	}
	if f.Writable() {
		ri.Access = 2
	}
	num := func(raw int64) string { return strconv.FormatFloat(f.Ratio*float64(raw)+f.Addition, 'f', -1, 64) }
	switch f.Kind {
	case datapoint.KindBool:
		ri.MinValue, ri.MaxValue, ri.DefaultValue = "0", "1", "0"
	case datapoint.KindEnum:
		pairs := make([]string, len(f.Enum))
		for i, l := range f.Enum {
			pairs[i] = strconv.Itoa(i) + ":" + l
		}
		ri.Enums = strings.Join(pairs, ",")
		ri.MinValue, ri.MaxValue, ri.DefaultValue = "0", strconv.Itoa(max(len(f.Enum)-1, 0)), "0"
	case datapoint.KindUint:
		ri.MinValue, ri.MaxValue, ri.DefaultValue = num(f.Min), num(f.Max), num(f.Min)
	default:
		ri.DefaultValue = strings.Repeat("00", f.ByteLen)
	}
	return ri
}
