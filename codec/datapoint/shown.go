package datapoint

import (
	"math"
	"strconv"
)

// Shown returns field i's value v in its API form: bool as bool, enum as
// its label string (or the index as a float64 when the device sent one
// past the labels), uint as the float64 shown value, binary as []byte
// (aliasing v.Bytes).
//
// Shown numbers are rounded to the decimal places of Ratio and Addition,
// so that 0.1*237 - 30 is -6.3 and not -6.300000000000001.
func (s *Schema) Shown(i int, v Value) any {
	f := &s.fields[i]
	switch f.Kind {
	case KindBool:
		return v.Raw != 0
	case KindEnum:
		if v.Raw < uint64(len(f.Enum)) {
			return f.Enum[v.Raw]
		}
		return float64(v.Raw)
	case KindUint:
		return s.shownNumber(i, v.Raw)
	}
	return v.Bytes
}

// shownNumber computes y = Ratio*x + Addition, rounded as Shown documents.
func (s *Schema) shownNumber(i int, raw uint64) float64 {
	f := &s.fields[i]
	y := f.Ratio*float64(raw) + f.Addition
	// Rounding only matters while y*p is an exact integer candidate; past
	// 2^53 float64 has no fractional digits left (and y*p could overflow).
	if p := s.info[i].pow10; p != 0 && math.Abs(y*p) < 1<<53 {
		y = math.Round(y*p) / p
	}
	if y == 0 {
		y = 0 // never print "-0"
	}
	return y
}

// AppendJSON appends m's Present fields as a JSON object in definition
// order, {"name":value,...}, with values in the WebSocket attrs form
// (notes §3.6): bools as true/false, enums as label strings (index number
// when past the labels), numbers as shown values with no decimal point
// when integral, binaries as arrays of byte numbers. It allocates nothing
// beyond growing dst.
func (s *Schema) AppendJSON(dst []byte, m *Message) []byte {
	dst = append(dst, '{')
	first := true
	for i := range s.fields {
		if !m.present(i) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, s.info[i].jsonKey...)
		dst = s.AppendValueJSON(dst, i, m.value(i))
	}
	return append(dst, '}')
}

// AppendValueJSON appends field i's value v in the form AppendJSON uses:
// the one JSON form of a datapoint value, for apps and partners alike.
func (s *Schema) AppendValueJSON(dst []byte, i int, v Value) []byte {
	switch f := &s.fields[i]; f.Kind {
	case KindBool:
		dst = strconv.AppendBool(dst, v.Raw != 0)
	case KindEnum:
		if v.Raw < uint64(len(f.Enum)) {
			dst = append(dst, s.info[i].jsonLabels[v.Raw]...)
		} else {
			dst = strconv.AppendUint(dst, v.Raw, 10)
		}
	case KindUint:
		dst = strconv.AppendFloat(dst, s.shownNumber(i, v.Raw), 'f', -1, 64)
	case KindBinary:
		dst = append(dst, '[')
		for j, b := range v.Bytes {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(b), 10)
		}
		dst = append(dst, ']')
	}
	return dst
}
