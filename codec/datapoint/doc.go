// Package datapoint encodes and decodes Gizwits standard datapoint
// payloads ("attrs_v4", notes §3): the bytes inside a P0 frame that carry a
// device's status and the writes apps send it.
//
// A product definition (JSON, notes §4) is parsed with ParseProduct and
// compiled once with Compile into an immutable Schema. The schema decodes
// payloads into reusable Messages without allocating, encodes them back,
// converts between wire values and the values apps see (Set, Shown), and
// writes the WebSocket/HTTP attrs JSON (AppendJSON).
//
// # Wire format
//
// Every payload starts with an action byte (the Action constants). Fixed-
// length products ("protocolType": "standard") exchange the whole status
// block, dev_status, laid out as: writable bool/enum bits, writable
// numbers/binaries, read-only bits, read-only values, alert bits, fault
// bits. A write carries one flag bit per writable point followed by the
// writable part of dev_status. var_len products ("var_len") send one flag
// bit per point of every kind and then only the flagged points: their
// bits packed together, then their values. Bit regions and flag bitmaps
// are big-endian integers whose bit 0 is the lowest bit of the last byte;
// numbers are big-endian. See fixed.go, varlen.go and bits.go.
//
// # Decisions where the sources are silent
//
//   - Layout follows definition order (the attrs array), not attr ids.
//   - Fixed-length positions are derived from group order and definition
//     order (bit points at consecutive bit indexes from each region's
//     start, byte values back to back); JSON positions, when given, must
//     agree with that layout, with the spellings of multi-byte bit regions
//     listed at checkPositions accepted.
//   - uint_spec min/max are raw wire values; Set enforces them, Decode
//     and Append do not (a device's report is kept as sent).
//   - Only the full type strings are accepted; see Access.
//   - A write puts zeros in the attr_vals slots of unflagged points.
//   - Unused bits of bit regions and of fixed-length attr_flags are
//     ignored on decode and sent as zero.
package datapoint
