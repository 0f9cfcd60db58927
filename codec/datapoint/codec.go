package datapoint

// Decode parses a datapoint payload (starting at the action byte) into m,
// for every action of the schema's protocol type plus the transparent
// actions 0x05/0x06. The fixed-length actions 0x01–0x04 are refused on
// var_len products and 0x11–0x14 on fixed-length ones (ErrUnknownAction).
//
// Decode keeps what the device sent: raw numbers outside uint_spec and
// enum indexes past the labels are stored as they are (Shown copes). It
// ignores the unused high bits of bit regions and of the fixed-length
// attr_flags, but refuses var_len flags for points the schema does not
// have, because the rest of the payload could not be parsed.
//
// Binary values and Transparent alias payload. With m from NewMessage (or
// one it already fitted) Decode allocates nothing unless it fails. On
// error m is reset and holds no values.
func (s *Schema) Decode(payload []byte, m *Message) error {
	s.fit(m)
	if len(payload) == 0 {
		m.Reset(0)
		return &PayloadError{Err: ErrShortPayload}
	}
	action := payload[0]
	m.Reset(action)
	var err error
	switch {
	case action == ActionTransparentToDevice || action == ActionTransparentFromDevice:
		m.Transparent = payload[1:]
	case s.varLen && isVarAction(action):
		err = s.decodeVar(payload, m)
	case !s.varLen && isFixedAction(action):
		err = s.decodeFixed(payload, m)
	default:
		err = &PayloadError{Action: action, Err: ErrUnknownAction}
	}
	if err != nil {
		m.Reset(action)
	}
	return err
}

// Append encodes m by its Action and appends the payload to dst. It is the
// inverse of Decode: for every payload Decode accepts, Append reproduces it
// except for bits Decode ignores (unused region bits, unflagged attr_vals
// slots), which it writes as zero.
//
// Only Present fields are encoded; for the fixed-length status actions
// 0x03/0x04 the others are sent as zero. Values are checked against the
// wire, not against uint_spec (Set does that): a raw number must fit its
// width, an enum index its bits, a binary value at most ByteLen bytes
// (shorter ones are zero-padded). A write naming a field that is not
// writable fails with ErrNotWritable. On error dst is returned unchanged.
func (s *Schema) Append(dst []byte, m *Message) ([]byte, error) {
	action := m.Action
	start := len(dst)
	var err error
	switch {
	case action == ActionTransparentToDevice || action == ActionTransparentFromDevice:
		dst = append(append(dst, action), m.Transparent...)
	case s.varLen && isVarAction(action):
		dst, err = s.appendVar(dst, m)
	case !s.varLen && isFixedAction(action):
		dst, err = s.appendFixed(dst, m)
	default:
		err = &PayloadError{Action: action, Err: ErrUnknownAction}
	}
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

func isFixedAction(a byte) bool { return a >= ActionWrite && a <= ActionReport }

func isVarAction(a byte) bool { return a >= ActionVarWrite && a <= ActionVarReport }

// checkWire reports whether v fits field i's wire slot.
func (s *Schema) checkWire(i int, v Value) error {
	f := &s.fields[i]
	if f.Kind == KindBinary {
		if len(v.Bytes) > f.ByteLen {
			return &FieldError{Field: f.Name, Err: ErrRange}
		}
		return nil
	}
	if v.Raw > s.info[i].maxRaw {
		return &FieldError{Field: f.Name, Err: ErrRange}
	}
	return nil
}

// checkWrite reports whether field i may appear in a write.
func (s *Schema) checkWrite(i int) error {
	if !s.fields[i].Writable() {
		return &FieldError{Field: s.fields[i].Name, Err: ErrNotWritable}
	}
	return nil
}

// readValue decodes field i's byte-valued slot b (ByteLen bytes).
func (s *Schema) readValue(i int, b []byte) Value {
	if s.fields[i].Kind == KindUint {
		return Value{Raw: getUint(b)}
	}
	return Value{Bytes: b[:len(b):len(b)]} // capped: appending to it never clobbers the payload
}

// putValue encodes field i's value into its byte-valued slot b, which is
// zero; a short binary value keeps the zero padding.
func (s *Schema) putValue(i int, b []byte, v Value) {
	if s.fields[i].Kind == KindUint {
		putUint(b, v.Raw)
		return
	}
	copy(b, v.Bytes)
}
