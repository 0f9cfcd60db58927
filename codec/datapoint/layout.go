package datapoint

import "strconv"

// bitRegion is one bit region of a fixed-length dev_status: size bytes
// from start, read as one big-endian integer.
type bitRegion struct{ start, size int }

// statusGroups is the order of dev_status (notes §3.2): writable bits,
// writable values, read-only bits, read-only values, alert bits, fault
// bits. Each group is present only if the product has such points.
var statusGroups = [...]struct {
	access Access
	bits   bool
}{
	{AccessWritable, true},
	{AccessWritable, false},
	{AccessReadOnly, true},
	{AccessReadOnly, false},
	{AccessAlert, true},
	{AccessFault, true},
}

// layoutFixed computes the fixed-length layout of s.fields from the group
// order and definition order alone: bit points take consecutive bit
// indexes from 0 in their region, byte values follow each other with no
// gaps. The JSON positions are then only cross-checked (checkPositions):
// the notes warn that multi-byte bit regions are written two ways, and a
// layout derived from the order is the one every generated MCU uses.
func (s *Schema) layoutFixed() {
	off := 0
	for _, g := range statusGroups {
		bit := 0
		region := -1
		for i := range s.fields {
			f := &s.fields[i]
			if f.Access != g.access || f.Kind.isBits() != g.bits {
				continue
			}
			if !g.bits {
				f.ByteOffset = off
				off += f.ByteLen
				continue
			}
			if region < 0 {
				region = len(s.regions)
				s.regions = append(s.regions, bitRegion{start: off})
			}
			f.ByteOffset, f.BitOffset = off, bit
			s.info[i].region = region
			bit += f.BitLen
		}
		if region >= 0 {
			s.regions[region].size = (bit + 7) / 8
			off += s.regions[region].size
		}
		if g.access == AccessWritable && !g.bits {
			s.writableLen = off // writable groups come first: attr_vals is dev_status[:off]
		}
	}
	s.statusLen = off
}

// checkPositions cross-checks the JSON positions of a fixed-length product
// against the computed layout. A definition whose positions are all zero
// says nothing and is accepted. Otherwise each byte value's byte_offset
// must match, and each bit point's (byte_offset, bit_offset) must be one
// of the spellings seen for bit k of a region starting at byte rs with rl
// bytes: (rs, k), (rs+k/8, k), (rs+k/8, k%8) or the wire byte
// (rs+rl-1-k/8, k%8).
func (s *Schema) checkPositions(attrs []Attr) error {
	given := false
	for _, a := range attrs {
		given = given || a.Position.ByteOffset != 0 || a.Position.BitOffset != 0
	}
	if !given {
		return nil
	}
	for i := range s.fields {
		f, pos := &s.fields[i], attrs[i].Position
		ok := pos.ByteOffset == f.ByteOffset
		if f.Kind.isBits() {
			rs, rl, k := f.ByteOffset, s.regions[s.info[i].region].size, f.BitOffset
			ok = pos == Position{rs, k, pos.Len, pos.Unit} ||
				pos == Position{rs + k/8, k, pos.Len, pos.Unit} ||
				pos == Position{rs + k/8, k % 8, pos.Len, pos.Unit} ||
				pos == Position{rs + rl - 1 - k/8, k % 8, pos.Len, pos.Unit}
		}
		if !ok {
			where := "byte " + strconv.Itoa(f.ByteOffset)
			if f.Kind.isBits() {
				where = "bit " + strconv.Itoa(f.BitOffset) + " of the bit region at " + where
			}
			return &SchemaError{Attr: f.Name, Index: i, Reason: "position byte_offset " +
				strconv.Itoa(pos.ByteOffset) + " bit_offset " + strconv.Itoa(pos.BitOffset) +
				" disagrees with the layout derived from definition order (" + where + ")"}
		}
	}
	return nil
}
