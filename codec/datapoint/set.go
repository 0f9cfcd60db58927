package datapoint

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Set stores a value given in its API form (as encoding/json decodes it,
// or the matching Go types) as field name's wire value and marks it
// Present. Accepted forms (notes §3.6):
//
//   - bool: true/false, or the numbers 0 and 1
//   - enum: a label string, or an index number
//   - uint: the shown value y as float64, json.Number or any integer
//     kind; the wire value is x = round((y-Addition)/Ratio), which must
//     lie in Min..Max
//   - binary: []byte, []any of numbers 0..255 (a WebSocket byte array),
//     []int, or a hex string (HTTP /app/control); a value shorter than
//     ByteLen is zero-padded (notes §3.4), a longer one is an error
//
// When m.Action is a write (0x01 or 0x11) the field must be writable. Set
// copies binary values into m, so the argument may be reused; with m from
// NewMessage it allocates only on error. Errors are *FieldError wrapping
// ErrUnknownField, ErrNotWritable, ErrType or ErrRange.
func (s *Schema) Set(m *Message, name string, v any) error {
	i, ok := s.index[name]
	if !ok {
		return &FieldError{Field: name, Err: ErrUnknownField}
	}
	f := &s.fields[i]
	if (m.Action == ActionWrite || m.Action == ActionVarWrite) && !f.Writable() {
		return &FieldError{Field: name, Err: ErrNotWritable}
	}
	s.fit(m)
	var (
		val Value
		err error
	)
	switch f.Kind {
	case KindBool:
		val, err = toBool(v)
	case KindEnum:
		val, err = toEnum(f, v)
	case KindUint:
		val, err = toUint(f, v)
	case KindBinary:
		val, err = s.toBinary(m, i, v)
	}
	if err != nil {
		return &FieldError{Field: name, Err: err}
	}
	m.Values[i], m.Present[i] = val, true
	return nil
}

// number converts the numeric forms Set accepts to float64. ok is false
// for anything else.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		y, err := strconv.ParseFloat(string(x), 64)
		return y, err == nil
	}
	return 0, false
}

// index converts a number that must be an integer in 0..n-1.
func index(v any, n int) (uint64, error) {
	y, ok := number(v)
	if !ok {
		return 0, ErrType
	}
	if y != math.Trunc(y) || y < 0 || y >= float64(n) {
		return 0, fmt.Errorf("%w: %v is not an integer in 0..%d", ErrRange, y, n-1)
	}
	return uint64(y), nil
}

func toBool(v any) (Value, error) {
	if b, ok := v.(bool); ok {
		if b {
			return Value{Raw: 1}, nil
		}
		return Value{}, nil
	}
	x, err := index(v, 2)
	return Value{Raw: x}, err
}

func toEnum(f *Field, v any) (Value, error) {
	if label, ok := v.(string); ok {
		for i, l := range f.Enum {
			if l == label {
				return Value{Raw: uint64(i)}, nil
			}
		}
		return Value{}, fmt.Errorf("%w: %q is not one of the labels", ErrRange, label)
	}
	x, err := index(v, len(f.Enum))
	return Value{Raw: x}, err
}

func toUint(f *Field, v any) (Value, error) {
	y, ok := number(v)
	if !ok {
		return Value{}, ErrType
	}
	x := math.Round((y - f.Addition) / f.Ratio)
	if math.IsNaN(x) || x < float64(f.Min) || x > float64(f.Max) {
		return Value{}, fmt.Errorf("%w: %v is raw %v, outside %d..%d", ErrRange, y, x, f.Min, f.Max)
	}
	return Value{Raw: uint64(x)}, nil
}

// toBinary validates v completely before writing, so a failed Set leaves
// an earlier value of the field intact.
func (s *Schema) toBinary(m *Message, i int, v any) (Value, error) {
	n := s.fields[i].ByteLen
	var size int
	switch x := v.(type) {
	case []byte:
		size = len(x)
	case string:
		if len(x)%2 != 0 {
			return Value{}, fmt.Errorf("%w: hex string of odd length", ErrType)
		}
		for j := 0; j < len(x); j++ {
			if _, ok := hexDigit(x[j]); !ok {
				return Value{}, fmt.Errorf("%w: %q is not a hex string", ErrType, x)
			}
		}
		size = len(x) / 2
	case []any:
		for _, e := range x {
			if _, err := index(e, 256); err != nil {
				return Value{}, err
			}
		}
		size = len(x)
	case []int:
		for _, e := range x {
			if e < 0 || e > 255 {
				return Value{}, fmt.Errorf("%w: %d is not a byte", ErrRange, e)
			}
		}
		size = len(x)
	default:
		return Value{}, ErrType
	}
	if size > n {
		return Value{}, fmt.Errorf("%w: %d bytes, at most %d", ErrRange, size, n)
	}

	// The field's own slot in m.scratch, capped so appends cannot spill
	// into the next field's slot.
	off := s.info[i].scratchOff
	buf := m.scratch[off : off+n : off+n]
	switch x := v.(type) {
	case []byte:
		copy(buf, x)
	case string:
		for j := 0; j < size; j++ {
			hi, _ := hexDigit(x[2*j])
			lo, _ := hexDigit(x[2*j+1])
			buf[j] = hi<<4 | lo
		}
	case []any:
		for j, e := range x {
			b, _ := index(e, 256)
			buf[j] = byte(b)
		}
	case []int:
		for j, e := range x {
			buf[j] = byte(e)
		}
	}
	clear(buf[size:])
	return Value{Bytes: buf}, nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
