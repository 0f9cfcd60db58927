package core

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A DeviceEvent travels on the bus in one of two forms. JSON is the form
// every version of Switchboard reads, so it is what a bus that spans nodes
// carries: during an upgrade node by node, older nodes must read what newer
// ones publish. On a bus inside one process nothing older reads it, and the
// binary form below is used: encoding and decoding the event as JSON was a
// quarter of the server's CPU per delivered report (docs/benchmarks.md).
//
// Binary form, version 1: the byte eventWireV1 (JSON starts with '{', so
// the first byte tells the forms apart), a flags byte, then the fields in a
// fixed order: strings and byte strings as a uvarint length and the bytes,
// numbers as uvarints, the action as one byte, At as a varint of Unix
// nanoseconds when flagAt is set.
const (
	eventWireV1 byte = 0x01

	flagHasSN  byte = 1 << 0
	flagAt     byte = 1 << 1
	flagsKnown      = flagHasSN | flagAt
)

// errEventWire is returned for bytes that are neither form of an event.
var errEventWire = errors.New("device event: malformed binary form")

// AppendBinary appends the event's binary form to b.
func (e *DeviceEvent) AppendBinary(b []byte) []byte {
	var flags byte
	if e.HasSN {
		flags |= flagHasSN
	}
	if !e.At.IsZero() {
		flags |= flagAt
	}
	b = append(b, eventWireV1, flags)
	b = appendString(b, string(e.Kind))
	b = appendString(b, e.DID)
	b = appendString(b, e.ProductKey)
	b = appendString(b, e.MAC)
	b = binary.AppendUvarint(b, uint64(e.Cmd))
	b = binary.AppendUvarint(b, uint64(e.SN))
	b = appendString(b, e.ClientID)
	b = append(b, e.Action)
	b = appendBytes(b, e.Attrs)
	b = appendBytes(b, e.Raw)
	b = appendString(b, e.Error)
	if flags&flagAt != 0 {
		b = binary.AppendVarint(b, e.At.UnixNano())
	}
	return b
}

// DecodeDeviceEvent reads an event in either form. The event owns its
// fields: strings and bytes are cut from one copy of data each, so the
// event may outlive data (the bus reuses its buffers).
func DecodeDeviceEvent(data []byte) (DeviceEvent, error) {
	if len(data) > 0 && data[0] != eventWireV1 {
		var j DeviceEvent // on the heap, on this path only
		err := json.Unmarshal(data, &j)
		return j, err
	}
	var e DeviceEvent
	r := wireReader{b: data}
	if r.byte() != eventWireV1 {
		return e, errEventWire
	}
	flags := r.byte()
	if flags&^flagsKnown != 0 {
		return e, fmt.Errorf("%w: unknown flags %#x", errEventWire, flags)
	}
	e.HasSN = flags&flagHasSN != 0
	kind := r.field()
	did, pk, mac := r.field(), r.field(), r.field()
	e.Cmd = uint16(r.uvarint(1<<16 - 1))
	e.SN = uint32(r.uvarint(1<<32 - 1))
	client := r.field()
	e.Action = r.byte()
	attrs, raw := r.field(), r.field()
	msg := r.field()
	if flags&flagAt != 0 {
		e.At = time.Unix(0, r.varint()).UTC()
	}
	if r.err != nil {
		return DeviceEvent{}, r.err
	}
	if len(r.b) != 0 {
		return DeviceEvent{}, fmt.Errorf("%w: %d bytes after the event", errEventWire, len(r.b))
	}
	e.Kind = eventKind(kind)
	// One allocation for every string field, cut into each in the order
	// they were written.
	var sb strings.Builder
	sb.Grow(len(did) + len(pk) + len(mac) + len(client) + len(msg))
	for _, f := range [...][]byte{did, pk, mac, client, msg} {
		sb.Write(f)
	}
	strs := sb.String()
	cut := func(f []byte) string {
		v := strs[:len(f)]
		strs = strs[len(f):]
		return v
	}
	e.DID = cut(did)
	e.ProductKey = cut(pk)
	e.MAC = cut(mac)
	e.ClientID = cut(client)
	e.Error = cut(msg)
	if len(attrs)+len(raw) > 0 {
		own := make([]byte, 0, len(attrs)+len(raw)) // one copy for both byte fields
		own = append(own, attrs...)
		own = append(own, raw...)
		e.Attrs, e.Raw = nilIfEmpty(own[:len(attrs):len(attrs)]), nilIfEmpty(own[len(attrs):])
	}
	return e, nil
}

// eventKind returns the constant for a known kind without allocating.
func eventKind(b []byte) EventKind {
	for _, k := range [...]EventKind{EventReport, EventReply, EventAck, EventRaw, EventOnline, EventOffline} {
		if string(b) == string(k) {
			return k
		}
	}
	return EventKind(b)
}

// nilIfEmpty keeps JSON's omitempty meaning: an empty field is nil.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// wireReader reads the binary form; the first error sticks and every
// later read returns a zero value.
type wireReader struct {
	b   []byte
	err error
}

func (r *wireReader) fail() { r.err, r.b = errEventWire, nil }

func (r *wireReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *wireReader) uvarint(limit uint64) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > limit {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *wireReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// field returns the next length-prefixed field, aliasing the input.
func (r *wireReader) field() []byte {
	n := r.uvarint(uint64(len(r.b)))
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) { // the length counted its own bytes
		r.fail()
		return nil
	}
	f := r.b[:n]
	r.b = r.b[n:]
	return f
}
