package mqttgw

// Answer is a row of the reasons table as the socket tests check it.
type Answer struct {
	Packet string // CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT; "" for none
	Codes  []byte // any of these codes
	Closed bool
	NA     bool
}

// Expect is the documented answer to a protocol version (3, 4 or 5) in the
// situation of the reason with this id.
func Expect(id string, version byte) Answer {
	for _, r := range reasons {
		if r.id == id {
			a := r.answer(version)
			return Answer{Packet: a.packet, Codes: a.codes, Closed: a.closed, NA: a.na}
		}
	}
	panic("no reason " + id)
}
