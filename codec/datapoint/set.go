package datapoint

import (
	"encoding/json"
	"math"
	"strconv"
)

// Set stores a value given in its API form (as encoding/json decodes it,
// or the matching Go types) as field name's wire value and marks it
// Present. Only the forms the vendor documents are accepted, and a value
// is never rounded or coerced (notes §3.6, docs/decisions.md "Strict
// datapoint values"):
//
//   - bool: true or false only (not 0/1, not "true")
//   - enum: a label string, or its index as an integral number
//   - uint: the shown value y as float64, json.Number or any integer kind;
//     the wire value x = (y-Addition)/Ratio must be an integer (within
//     a float tolerance, so 0.1 steps work) in Min..Max: 3.5 for a ratio
//     of 1 is refused, not rounded
//   - binary: []byte, []any of integral numbers 0..255 (a WebSocket byte
//     array), []int, or a hex string (HTTP /app/control); a value shorter
//     than ByteLen is zero-padded (notes §3.4), a longer one is an error
//
// When m.Action is a write (0x01 or 0x11) the field must be writable. Set
// copies binary values into m, so the argument may be reused; with m from
// NewMessage it allocates only on error. Errors are *FieldError wrapping
// ErrUnknownField, ErrNotWritable, ErrType or ErrRange, with a Reason a
// client may be shown.
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
		err *FieldError
	)
	switch f.Kind {
	case KindBool:
		val, err = toBool(v)
	case KindEnum:
		val, err = toEnum(f, v)
	case KindUint:
		val, err = s.toUint(i, v)
	case KindBinary:
		val, err = s.toBinary(m, i, v)
	}
	if err != nil {
		err.Field = name
		return err
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

// integral converts a number that must be an integer in 0..n-1; ok is
// false for anything else.
func integral(v any, n int) (uint64, bool) {
	y, ok := number(v)
	if !ok || y != math.Trunc(y) || y < 0 || y >= float64(n) {
		return 0, false
	}
	return uint64(y), true
}

// refuse builds the error Set returns; Set fills in the field's name.
func refuse(err error, reason string) *FieldError {
	return &FieldError{Err: err, Reason: reason}
}

func toBool(v any) (Value, *FieldError) {
	b, ok := v.(bool)
	if !ok {
		return Value{}, refuse(ErrType, "must be true or false")
	}
	if b {
		return Value{Raw: 1}, nil
	}
	return Value{}, nil
}

func toEnum(f *Field, v any) (Value, *FieldError) {
	if label, ok := v.(string); ok {
		for i, l := range f.Enum {
			if l == label {
				return Value{Raw: uint64(i)}, nil
			}
		}
		return Value{}, refuse(ErrRange, enumReason(f))
	}
	if _, ok := number(v); !ok {
		return Value{}, refuse(ErrType, enumReason(f))
	}
	x, ok := integral(v, len(f.Enum))
	if !ok {
		return Value{}, refuse(ErrRange, enumReason(f))
	}
	return Value{Raw: x}, nil
}

func enumReason(f *Field) string {
	return "must be one of its labels or an index from 0 to " + strconv.Itoa(len(f.Enum)-1)
}

// rawTolerance is how far (y-Addition)/Ratio may lie from an integer and
// still count as that integer, per unit of the magnitudes involved: the
// float64 arithmetic of a 0.1 ratio leaves errors near 1e-14, a value
// that is off by a step's fraction is off by far more than 1e-9.
const rawTolerance = 1e-9

func (s *Schema) toUint(i int, v any) (Value, *FieldError) {
	f := &s.fields[i]
	y, ok := number(v)
	if !ok {
		return Value{}, refuse(ErrType, s.uintReason(i))
	}
	q := (y - f.Addition) / f.Ratio
	x := math.Round(q)
	tol := rawTolerance * (1 + math.Abs(x) + (math.Abs(y)+math.Abs(f.Addition))/math.Abs(f.Ratio))
	if math.IsNaN(q) || math.IsInf(q, 0) || math.Abs(q-x) > tol || x < float64(f.Min) || x > float64(f.Max) {
		return Value{}, refuse(ErrRange, s.uintReason(i))
	}
	return Value{Raw: uint64(x)}, nil
}

// uintReason says which shown values field i takes.
func (s *Schema) uintReason(i int) string {
	f := &s.fields[i]
	lo, hi := s.shownNumber(i, uint64(f.Min)), s.shownNumber(i, uint64(f.Max))
	if f.Ratio < 0 {
		lo, hi = hi, lo
	}
	return "must be a number from " + formatNumber(lo) + " to " + formatNumber(hi) +
		" in steps of " + formatNumber(math.Abs(f.Ratio))
}

func formatNumber(y float64) string { return strconv.FormatFloat(y, 'f', -1, 64) }

// toBinary validates v completely before writing, so a failed Set leaves
// an earlier value of the field intact.
func (s *Schema) toBinary(m *Message, i int, v any) (Value, *FieldError) {
	n := s.fields[i].ByteLen
	// The reasons are built only on refusal: Set must not allocate.
	hexForm := func() string { return "must be a hex string of at most " + strconv.Itoa(n) + " bytes" }
	arrayForm := func() string { return "must be an array of at most " + strconv.Itoa(n) + " bytes (0 to 255)" }
	reason := arrayForm
	var size int
	switch x := v.(type) {
	case []byte:
		size = len(x)
	case string:
		reason = hexForm
		ok := len(x)%2 == 0
		for j := 0; j < len(x) && ok; j++ {
			_, ok = hexDigit(x[j])
		}
		if !ok {
			return Value{}, refuse(ErrType, hexForm())
		}
		size = len(x) / 2
	case []any:
		for _, e := range x {
			if _, ok := number(e); !ok {
				return Value{}, refuse(ErrType, arrayForm())
			}
			if _, ok := integral(e, 256); !ok {
				return Value{}, refuse(ErrRange, arrayForm())
			}
		}
		size = len(x)
	case []int:
		for _, e := range x {
			if e < 0 || e > 255 {
				return Value{}, refuse(ErrRange, arrayForm())
			}
		}
		size = len(x)
	default:
		return Value{}, refuse(ErrType, "must be a hex string or an array of at most "+strconv.Itoa(n)+" bytes")
	}
	if size > n {
		return Value{}, refuse(ErrRange, reason())
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
			b, _ := integral(e, 256)
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
