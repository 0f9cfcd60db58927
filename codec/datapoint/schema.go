package datapoint

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"
)

// Schema is a compiled product definition. It is immutable and safe for
// concurrent use; Messages are not.
type Schema struct {
	fields []Field
	info   []fieldInfo
	index  map[string]int
	varLen bool

	// fixed length (standard products)
	regions     []bitRegion
	statusLen   int   // dev_status bytes
	writableLen int   // attr_vals bytes: the writable groups at the start of dev_status
	writable    []int // field indexes in attr_flags bit order
	wflagsLen   int   // attr_flags bytes

	// var_len
	flagsLen int // one bit per field

	scratchLen int // bytes of binary values a Message can hold for Set

	messages sync.Pool // of *Message sized for this schema (GetMessage)
}

// fieldInfo is per-field data the codec needs that callers do not.
type fieldInfo struct {
	region     int      // fixed length: index in Schema.regions of a bit point, -1 otherwise
	maxRaw     uint64   // largest raw value the wire slot holds
	pow10      float64  // 10^decimals for rounding shown numbers; 0 = do not round
	jsonKey    []byte   // `"name":`
	jsonLabels [][]byte // enum labels as JSON strings
	scratchOff int      // binary: offset of its slot in Message.scratch
}

// maxShownDecimals bounds rounding of shown numbers; beyond it float64
// has no digits left to clean up.
const maxShownDecimals = 15

// Compile validates a product definition and prepares it for encoding and
// decoding. It checks: one entity with attrs, unique non-empty names, known
// data types and access types, enum labels present, unique and fitting in
// their bits, alert and fault points being bools, uint lengths 1/2/4,
// non-zero ratio and a raw min..max inside the width, binary lengths
// 1..MaxBinaryLen, and for fixed-length products that the JSON positions,
// if given, agree with the layout (see layoutFixed).
//
// Definition order (the order of attrs in the JSON) decides every layout;
// attr ids are kept but not used, since no source settles what to do when
// they disagree with the order.
func Compile(p *Product) (*Schema, error) {
	if p == nil {
		return nil, &SchemaError{Index: -1, Reason: "nil product"}
	}
	if err := p.checkShape(); err != nil {
		return nil, err
	}
	attrs := p.Entities[0].Attrs
	s := &Schema{
		fields: make([]Field, len(attrs)),
		info:   make([]fieldInfo, len(attrs)),
		index:  make(map[string]int, len(attrs)),
		varLen: p.ProtocolType == ProtocolVarLen,
	}
	for i, a := range attrs {
		f, err := compileField(i, a)
		if err != nil {
			return nil, err
		}
		if _, dup := s.index[f.Name]; dup {
			return nil, &SchemaError{Attr: f.Name, Index: i, Reason: "duplicate name"}
		}
		s.index[f.Name] = i
		s.fields[i] = f
		s.info[i] = s.newInfo(&f)
	}
	if s.varLen {
		s.flagsLen = (len(s.fields) + 7) / 8
		return s, nil
	}
	s.layoutFixed()
	if err := s.checkPositions(attrs); err != nil {
		return nil, err
	}
	for i := range s.fields {
		if s.fields[i].Writable() {
			s.writable = append(s.writable, i)
		}
	}
	s.wflagsLen = (len(s.writable) + 7) / 8
	return s, nil
}

// newInfo precomputes what encoding and JSON output need for f.
func (s *Schema) newInfo(f *Field) fieldInfo {
	in := fieldInfo{region: -1, jsonKey: append(jsonString(f.Name), ':')}
	switch f.Kind {
	case KindBool, KindEnum:
		in.maxRaw = uint64(1)<<f.BitLen - 1
		for _, l := range f.Enum {
			in.jsonLabels = append(in.jsonLabels, jsonString(l))
		}
	case KindUint:
		in.maxRaw = uint64(widthMax(f.ByteLen))
		if d := max(decimals(f.Ratio), decimals(f.Addition)); d <= maxShownDecimals {
			in.pow10 = math.Pow10(d)
		}
	case KindBinary:
		in.scratchOff = s.scratchLen
		s.scratchLen += f.ByteLen
	}
	return in
}

// decimals returns how many digits follow the decimal point in the
// shortest decimal form of x (0.1 → 1, 0.25 → 2, -30 → 0).
func decimals(x float64) int {
	str := strconv.FormatFloat(x, 'f', -1, 64)
	if i := strings.IndexByte(str, '.'); i >= 0 {
		return len(str) - i - 1
	}
	return 0
}

// jsonString returns s as a JSON string literal.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // cannot fail for a string
	return b
}

// Fields returns a copy of the compiled fields in definition order. Their
// Enum slices are shared and must not be modified.
func (s *Schema) Fields() []Field { return append([]Field(nil), s.fields...) }

// NumFields returns the number of fields, the length of Message slices.
func (s *Schema) NumFields() int { return len(s.fields) }

// Field returns field i (0 <= i < NumFields()) without copying the slice.
func (s *Schema) Field(i int) Field { return s.fields[i] }

// Lookup returns the index of the field with that name.
func (s *Schema) Lookup(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

// VarLen reports whether the product uses the var_len protocol.
func (s *Schema) VarLen() bool { return s.varLen }

// StatusLen returns the size in bytes of a fixed-length product's
// dev_status (the body of actions 0x03/0x04), or 0 for var_len products.
func (s *Schema) StatusLen() int { return s.statusLen }
