package datapoint

// Action bytes: the first byte of every datapoint payload (notes §3.1).
const (
	ActionWrite                 byte = 0x01 // fixed: attr_flags + attr_vals, app → device
	ActionRead                  byte = 0x02 // fixed: no body, app → device
	ActionReadReply             byte = 0x03 // fixed: dev_status, device → app
	ActionReport                byte = 0x04 // fixed: dev_status, device → app
	ActionTransparentToDevice   byte = 0x05 // both: opaque bytes, app → device
	ActionTransparentFromDevice byte = 0x06 // both: opaque bytes, device → app
	ActionVarWrite              byte = 0x11 // var_len: flags + segments, app → device
	ActionVarRead               byte = 0x12 // var_len: flags naming the points wanted
	ActionVarReadReply          byte = 0x13 // var_len: flags + segments, device → app
	ActionVarReport             byte = 0x14 // var_len: flags + segments, device → app
)

// Value is one datapoint's wire value.
type Value struct {
	Raw   uint64 // bool: 0/1; enum: index; uint: the wire value x
	Bytes []byte // binary: the bytes (aliases the payload after Decode)
}

// Message is a decoded payload, or one to encode. Present and Values are
// indexed like Schema.Fields. Build messages with Schema.NewMessage and
// reuse them with Reset: Decode then allocates nothing.
type Message struct {
	Action byte
	// Present marks the fields that carry a value. For read requests it
	// marks the fields asked for (all of them for the fixed-length 0x02).
	Present []bool
	// Values holds the fields' values; entries not Present are ignored.
	Values []Value
	// Transparent is the body of actions 0x05/0x06 (aliases the input
	// after Decode).
	Transparent []byte

	// scratch holds binary values given to Schema.Set, one slot per binary
	// field, so that setting them does not allocate.
	scratch []byte
}

// NewMessage returns an empty message for action with every slice sized
// for s.
func (s *Schema) NewMessage(action byte) *Message {
	m := &Message{
		Action:  action,
		Present: make([]bool, len(s.fields)),
		Values:  make([]Value, len(s.fields)),
	}
	if s.scratchLen > 0 {
		m.scratch = make([]byte, s.scratchLen)
	}
	return m
}

// GetMessage is NewMessage from a pool of the schema's messages: decoding
// a report then allocates no message. Give it back with PutMessage once
// nothing refers to it or to its Values' Bytes.
func (s *Schema) GetMessage(action byte) *Message {
	if m, ok := s.messages.Get().(*Message); ok {
		m.Reset(action)
		return m
	}
	return s.NewMessage(action)
}

// PutMessage returns a message from GetMessage to the pool.
func (s *Schema) PutMessage(m *Message) {
	m.Reset(0) // drop references into the decoded payload
	s.messages.Put(m)
}

// Reset empties m for reuse with a new action, keeping its storage.
func (m *Message) Reset(action byte) {
	m.Action = action
	clear(m.Present)
	clear(m.Values)
	m.Transparent = nil
}

// fit resizes m's slices to s, keeping storage when it is large enough, so
// that a Message made by hand or for another schema still works.
func (s *Schema) fit(m *Message) {
	n := len(s.fields)
	if cap(m.Present) < n {
		m.Present = make([]bool, n)
	}
	if cap(m.Values) < n {
		m.Values = make([]Value, n)
	}
	m.Present, m.Values = m.Present[:n], m.Values[:n]
	if len(m.scratch) < s.scratchLen {
		m.scratch = make([]byte, s.scratchLen)
	}
}

// present reports whether field i carries a value, tolerating short
// slices in a hand-made Message.
func (m *Message) present(i int) bool { return i < len(m.Present) && m.Present[i] }

// value returns field i's value, tolerating short slices.
func (m *Message) value(i int) Value {
	if i < len(m.Values) {
		return m.Values[i]
	}
	return Value{}
}
