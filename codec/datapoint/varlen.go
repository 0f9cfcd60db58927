package datapoint

// var_len payloads, notes §3.5:
//
//	0x11 write, 0x13 read reply, 0x14 report: flags + bit segment + values
//	0x12 read: flags naming the points wanted
//
// flags has one bit per field of every kind, in definition order. The bit
// segment packs the flagged bool/enum fields back to back from bit 0 in
// definition order (ceil(bits/8) bytes, absent when no such field is
// flagged); the values of the flagged numbers and binaries follow in
// definition order, each at its full width (binary values are always
// ByteLen bytes).

// decodeVar handles actions 0x11–0x14.
func (s *Schema) decodeVar(p []byte, m *Message) error {
	action := p[0]
	end := 1 + s.flagsLen
	if len(p) < end {
		return &PayloadError{Action: action, Offset: len(p), Err: ErrShortPayload}
	}
	flags := p[1:end]
	for k := len(s.fields); k < 8*s.flagsLen; k++ {
		if bitSet(flags, k) {
			return &PayloadError{Action: action, Offset: end - 1 - k/8, Err: ErrUnknownField}
		}
	}
	bits := 0
	for i := range s.fields {
		if !bitSet(flags, i) {
			continue
		}
		if action == ActionVarWrite {
			if err := s.checkWrite(i); err != nil {
				return err
			}
		}
		m.Present[i] = true
		if s.fields[i].Kind.isBits() {
			bits += s.fields[i].BitLen
		}
	}
	if action == ActionVarRead {
		if len(p) > end {
			return &PayloadError{Action: action, Offset: end, Err: ErrTrailing}
		}
		return nil
	}

	segLen := (bits + 7) / 8
	if len(p) < end+segLen {
		return &PayloadError{Action: action, Offset: len(p), Err: ErrShortPayload}
	}
	seg := p[end : end+segLen]
	end += segLen
	k := 0
	for i := range s.fields {
		f := &s.fields[i]
		switch {
		case !m.Present[i]:
		case f.Kind.isBits():
			m.Values[i] = Value{Raw: getBits(seg, k, f.BitLen)}
			k += f.BitLen
		default:
			if len(p) < end+f.ByteLen {
				return &FieldError{Field: f.Name, Err: ErrShortPayload}
			}
			m.Values[i] = s.readValue(i, p[end:end+f.ByteLen])
			end += f.ByteLen
		}
	}
	if len(p) > end {
		return &PayloadError{Action: action, Offset: end, Err: ErrTrailing}
	}
	return nil
}

// appendVar encodes actions 0x11–0x14.
func (s *Schema) appendVar(dst []byte, m *Message) ([]byte, error) {
	action := m.Action
	dst = append(dst, action)
	at := len(dst)
	dst = appendZeros(dst, s.flagsLen)
	bits, valueLen := 0, 0
	for i := range s.fields {
		if !m.present(i) {
			continue
		}
		if action == ActionVarWrite {
			if err := s.checkWrite(i); err != nil {
				return dst, err
			}
		}
		if action != ActionVarRead {
			if err := s.checkWire(i, m.value(i)); err != nil {
				return dst, err
			}
		}
		setBit(dst[at:at+s.flagsLen], i)
		if f := &s.fields[i]; f.Kind.isBits() {
			bits += f.BitLen
		} else {
			valueLen += f.ByteLen
		}
	}
	if action == ActionVarRead {
		return dst, nil
	}

	// Size the segments up front so the slices below stay valid.
	at = len(dst)
	segLen := (bits + 7) / 8
	dst = appendZeros(dst, segLen+valueLen)
	seg, vals := dst[at:at+segLen], dst[at+segLen:]
	k := 0
	for i := range s.fields {
		f := &s.fields[i]
		switch {
		case !m.present(i):
		case f.Kind.isBits():
			putBits(seg, k, f.BitLen, m.value(i).Raw)
			k += f.BitLen
		default:
			s.putValue(i, vals[:f.ByteLen], m.value(i))
			vals = vals[f.ByteLen:]
		}
	}
	return dst, nil
}
