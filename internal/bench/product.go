package bench

import (
	"encoding/binary"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
)

// productJSON is the bench's own product: a var_len product whose Stamp
// datapoint carries the sender's clock (Unix nanoseconds, big-endian) from
// the device's report to the app's s2c_noti, and a writable Speed for the
// control round trips.
const productJSON = `{
  "name": "Switchboard bench",
  "protocolType": "var_len",
  "packetVersion": "0x00000004",
  "entities": [{"id": 0, "name": "entity0", "display_name": "bench", "attrs": [
    {"id": 0, "name": "Stamp", "display_name": "Stamp", "data_type": "binary", "type": "status_writable",
     "position": {"byte_offset": 0, "bit_offset": 0, "len": 8, "unit": "byte"}},
    {"id": 1, "name": "Speed", "display_name": "Speed", "data_type": "uint8", "type": "status_writable",
     "uint_spec": {"min": 0, "max": 100, "ratio": 1, "addition": 0},
     "position": {"byte_offset": 0, "bit_offset": 0, "len": 1, "unit": "byte"}}
  ]}]
}`

func benchSchema() (*datapoint.Schema, error) {
	def, err := datapoint.ParseProduct([]byte(productJSON))
	if err != nil {
		return nil, err
	}
	return datapoint.Compile(def)
}

// stampFrame is a 0x0091 report of Stamp = t, and of Speed = speed
// unless speed is negative.
func stampFrame(s *datapoint.Schema, t time.Time, speed int) ([]byte, error) {
	m := s.NewMessage(datapoint.ActionVarReport)
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(t.UnixNano()))
	if err := s.Set(m, "Stamp", v[:]); err != nil {
		return nil, err
	}
	if speed >= 0 {
		if err := s.Set(m, "Speed", speed); err != nil {
			return nil, err
		}
	}
	payload, err := s.Append(nil, m)
	if err != nil {
		return nil, err
	}
	return p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload}), nil
}
