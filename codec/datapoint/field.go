package datapoint

import (
	"math"
	"slices"
	"strconv"
)

// MaxBinaryLen caps a binary datapoint's length. The definition format has
// no stated limit; this one keeps a hostile or mistyped definition from
// making every message allocate megabytes.
const MaxBinaryLen = 65535

// maxEnumBits caps an enum's width; no real product comes near it.
const maxEnumBits = 32

// Field is a compiled datapoint: an Attr with defaults filled in and its
// wire layout computed.
type Field struct {
	Index       int // position in definition order; indexes Message.Present and Message.Values
	ID          int // the attr's id; informational, layout follows definition order
	Name        string
	DisplayName string
	Desc        string
	DataType    string // as written: bool, enum, uint8, uint16, uint32, binary
	Kind        Kind
	Access      Access

	BitLen  int // bool/enum: bits on the wire (bool 1)
	ByteLen int // uint/binary: bytes on the wire (uint8 1, uint16 2, uint32 4, binary len)

	// Raw range: uint_spec min/max for numbers (0..width max by default),
	// 0..1 for bools, 0..len(Enum)-1 for enums, 0..0 for binary.
	Min, Max int64
	// Scaling of numbers: shown = Ratio*raw + Addition. Ratio is 1 and
	// Addition 0 for every other kind.
	Ratio, Addition float64
	Enum            []string // enum labels; index = raw value. Shared, do not modify.

	// Fixed-length layout, computed by Compile (zero for var_len products).
	// A byte-valued field occupies ByteLen bytes at ByteOffset of dev_status.
	// A bool/enum occupies bits BitOffset..BitOffset+BitLen-1 of the bit
	// region that starts at byte ByteOffset, the region read as one
	// big-endian integer (bit 0 = least significant bit of its last byte).
	ByteOffset, BitOffset int
}

// Writable reports whether apps may write the field.
func (f *Field) Writable() bool { return f.Access == AccessWritable }

// uintWidth returns the byte width of a uint data type.
func uintWidth(dataType string) int {
	switch dataType {
	case "uint8":
		return 1
	case "uint16":
		return 2
	}
	return 4
}

// widthMax returns the largest value a uint of n bytes holds.
func widthMax(n int) int64 { return int64(1)<<(8*n) - 1 }

// compileField validates one attr and derives its Field, without layout.
func compileField(i int, a Attr) (Field, error) {
	fail := func(reason string) (Field, error) {
		return Field{}, &SchemaError{Attr: a.Name, Index: i, Reason: reason}
	}
	f := Field{
		Index: i, ID: a.ID, Name: a.Name, DisplayName: a.DisplayName, Desc: a.Desc,
		DataType: a.DataType, Ratio: 1,
	}
	if a.Name == "" {
		return fail("empty name")
	}
	access, ok := parseAccess(a.Type)
	if !ok {
		return fail(`type must be status_writable, status_readonly, alert or fault, got "` + a.Type + `"`)
	}
	f.Access = access

	pos := a.Position
	switch a.DataType {
	case "bool":
		f.Kind, f.BitLen, f.Max = KindBool, 1, 1
		if pos.Len != 0 && pos.Len != 1 {
			return fail("bool must have len 1, got " + strconv.Itoa(pos.Len))
		}
	case "enum":
		f.Kind = KindEnum
		if len(a.Enum) == 0 {
			return fail("enum without labels")
		}
		if err := checkLabels(a.Enum); err != "" {
			return fail(err)
		}
		f.Enum = slices.Clone(a.Enum) // the schema must not change if the caller edits p
		f.Max = int64(len(a.Enum) - 1)
		f.BitLen = pos.Len
		if f.BitLen == 0 { // unspecified: the fewest bits that hold every label
			for 1<<f.BitLen < len(a.Enum) {
				f.BitLen++
			}
			f.BitLen = max(f.BitLen, 1)
		}
		if f.BitLen < 1 || f.BitLen > maxEnumBits {
			return fail("enum len must be 1.." + strconv.Itoa(maxEnumBits) + " bits, got " + strconv.Itoa(f.BitLen))
		}
		if uint64(len(a.Enum)) > uint64(1)<<f.BitLen {
			return fail(strconv.Itoa(len(a.Enum)) + " enum labels do not fit in " + strconv.Itoa(f.BitLen) + " bits")
		}
	case "uint8", "uint16", "uint32":
		f.Kind, f.ByteLen = KindUint, uintWidth(a.DataType)
		if pos.Len != 0 && pos.Len != f.ByteLen {
			return fail(a.DataType + " must have len " + strconv.Itoa(f.ByteLen) + ", got " + strconv.Itoa(pos.Len))
		}
		if err := f.applyUintSpec(a.UintSpec); err != "" {
			return fail(err)
		}
	case "binary":
		f.Kind, f.ByteLen = KindBinary, pos.Len
		if f.ByteLen < 1 || f.ByteLen > MaxBinaryLen {
			return fail("binary len must be 1.." + strconv.Itoa(MaxBinaryLen) + " bytes, got " + strconv.Itoa(pos.Len))
		}
	default:
		return fail(`unknown data_type "` + a.DataType + `"`)
	}

	want := "byte"
	if f.Kind.isBits() {
		want = "bit"
	}
	if pos.Unit != "" && pos.Unit != want {
		return fail(a.DataType + ` must have unit "` + want + `", got "` + pos.Unit + `"`)
	}
	if (access == AccessAlert || access == AccessFault) && f.Kind != KindBool {
		return fail(a.Type + " datapoints must be bool")
	}
	return f, nil
}

// applyUintSpec fills range and scaling from uint_spec, or the defaults
// when it is absent. It returns a reason when the spec is unusable.
func (f *Field) applyUintSpec(u *UintSpec) string {
	top := widthMax(f.ByteLen)
	if u == nil {
		f.Min, f.Max = 0, top
		return ""
	}
	switch {
	case u.Ratio == 0 || math.IsNaN(u.Ratio) || math.IsInf(u.Ratio, 0):
		return "uint_spec ratio must be a non-zero number"
	case math.IsNaN(u.Addition) || math.IsInf(u.Addition, 0):
		return "uint_spec addition must be a number"
	case math.IsInf(math.Abs(u.Ratio)*float64(top)+math.Abs(u.Addition), 0):
		// Shown values must stay finite: JSON has no Inf.
		return "uint_spec ratio and addition overflow the shown value"
	case u.Min < 0 || u.Max > top || u.Min > u.Max:
		// min and max are raw wire values (GoKit: min 0, max 10 with
		// addition -5 shows -5..5), so they must fit the width.
		return "uint_spec min..max " + strconv.FormatInt(u.Min, 10) + ".." + strconv.FormatInt(u.Max, 10) +
			" must lie within 0.." + strconv.FormatInt(top, 10)
	}
	f.Min, f.Max, f.Ratio, f.Addition = u.Min, u.Max, u.Ratio, u.Addition
	return ""
}

// checkLabels rejects duplicate enum labels, which would make a label map
// to two indexes.
func checkLabels(labels []string) string {
	seen := make(map[string]bool, len(labels))
	for _, l := range labels {
		if seen[l] {
			return "duplicate enum label " + strconv.Quote(l)
		}
		seen[l] = true
	}
	return ""
}
