package datapoint

// Fixed-length ("standard") payloads, notes §3.2:
//
//	0x01 write       attr_flags (one bit per writable point) + attr_vals (writable part of dev_status)
//	0x02 read        nothing
//	0x03 read reply  dev_status
//	0x04 report      dev_status

// decodeFixed handles actions 0x01–0x04.
func (s *Schema) decodeFixed(p []byte, m *Message) error {
	action := p[0]
	switch action {
	case ActionRead:
		if len(p) > 1 {
			return &PayloadError{Action: action, Offset: 1, Err: ErrTrailing}
		}
		for i := range m.Present {
			m.Present[i] = true // a fixed read asks for everything
		}
		return nil
	case ActionWrite:
		if err := checkLen(p, 1+s.wflagsLen+s.writableLen); err != nil {
			return err
		}
		flags, vals := p[1:1+s.wflagsLen], p[1+s.wflagsLen:]
		for bit, i := range s.writable {
			if bitSet(flags, bit) {
				m.Present[i] = true
				m.Values[i] = s.readFixed(i, vals)
			}
		}
		return nil
	default: // ActionReadReply, ActionReport
		if err := checkLen(p, 1+s.statusLen); err != nil {
			return err
		}
		status := p[1:]
		for i := range s.fields {
			m.Present[i] = true
			m.Values[i] = s.readFixed(i, status)
		}
		return nil
	}
}

// checkLen reports a payload that is not exactly want bytes long.
func checkLen(p []byte, want int) error {
	switch {
	case len(p) < want:
		return &PayloadError{Action: p[0], Offset: len(p), Err: ErrShortPayload}
	case len(p) > want:
		return &PayloadError{Action: p[0], Offset: want, Err: ErrTrailing}
	}
	return nil
}

// readFixed decodes field i from block, a dev_status or the attr_vals
// prefix of one (which holds every writable field at the same offsets).
func (s *Schema) readFixed(i int, block []byte) Value {
	f := &s.fields[i]
	if f.Kind.isBits() {
		r := s.regions[s.info[i].region]
		return Value{Raw: getBits(block[r.start:r.start+r.size], f.BitOffset, f.BitLen)}
	}
	return s.readValue(i, block[f.ByteOffset:f.ByteOffset+f.ByteLen])
}

// writeFixed encodes v as field i into block, which is zero there.
func (s *Schema) writeFixed(i int, block []byte, v Value) {
	f := &s.fields[i]
	if f.Kind.isBits() {
		r := s.regions[s.info[i].region]
		putBits(block[r.start:r.start+r.size], f.BitOffset, f.BitLen, v.Raw)
		return
	}
	s.putValue(i, block[f.ByteOffset:f.ByteOffset+f.ByteLen], v)
}

// appendFixed encodes actions 0x01–0x04.
func (s *Schema) appendFixed(dst []byte, m *Message) ([]byte, error) {
	action := m.Action
	dst = append(dst, action)
	switch action {
	case ActionRead:
		return dst, nil
	case ActionWrite:
		for i := range s.fields {
			if m.present(i) && !s.fields[i].Writable() {
				return dst, s.checkWrite(i)
			}
		}
		at := len(dst)
		dst = appendZeros(dst, s.wflagsLen+s.writableLen)
		flags, vals := dst[at:at+s.wflagsLen], dst[at+s.wflagsLen:]
		for bit, i := range s.writable {
			if !m.present(i) {
				continue
			}
			v := m.value(i)
			if err := s.checkWire(i, v); err != nil {
				return dst, err
			}
			setBit(flags, bit)
			s.writeFixed(i, vals, v)
		}
		return dst, nil
	default: // ActionReadReply, ActionReport
		at := len(dst)
		dst = appendZeros(dst, s.statusLen)
		status := dst[at:]
		for i := range s.fields {
			if !m.present(i) {
				continue
			}
			v := m.value(i)
			if err := s.checkWire(i, v); err != nil {
				return dst, err
			}
			s.writeFixed(i, status, v)
		}
		return dst, nil
	}
}
