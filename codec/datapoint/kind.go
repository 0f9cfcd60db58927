package datapoint

// Kind is how a datapoint is represented on the wire.
type Kind uint8

const (
	KindBool   Kind = iota + 1 // one bit in a bit region
	KindEnum                   // an index into Field.Enum, BitLen bits in a bit region
	KindUint                   // a big-endian unsigned number of 1, 2 or 4 bytes
	KindBinary                 // ByteLen raw bytes
)

func (k Kind) String() string {
	switch k {
	case KindBool:
		return "bool"
	case KindEnum:
		return "enum"
	case KindUint:
		return "uint"
	case KindBinary:
		return "binary"
	}
	return "Kind(?)"
}

// isBits reports whether the kind lives in a bit region.
func (k Kind) isBits() bool { return k == KindBool || k == KindEnum }

// Access is who may change a datapoint, from the "type" key of an attr.
//
// Only the spelled-out strings are accepted. The Gizwits docs abbreviate
// the four types as W/R/N/E in a table, but no definition seen in the wild
// uses the letters and the mapping of N and E is not confirmed, so
// accepting them would be a guess.
type Access uint8

const (
	AccessWritable Access = iota + 1 // "status_writable": apps may write it
	AccessReadOnly                   // "status_readonly": device state apps only read
	AccessAlert                      // "alert": an alarm bit, read-only
	AccessFault                      // "fault": a fault bit, read-only
)

var accessNames = [...]string{
	AccessWritable: "status_writable",
	AccessReadOnly: "status_readonly",
	AccessAlert:    "alert",
	AccessFault:    "fault",
}

func (a Access) String() string {
	if int(a) < len(accessNames) && accessNames[a] != "" {
		return accessNames[a]
	}
	return "Access(?)"
}

// parseAccess maps an attr "type" string to an Access.
func parseAccess(s string) (Access, bool) {
	for a, name := range accessNames {
		if name != "" && name == s {
			return Access(a), true
		}
	}
	return 0, false
}
