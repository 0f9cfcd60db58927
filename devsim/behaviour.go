package devsim

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
)

// initialState gives every datapoint a plausible starting value: numbers in
// the middle of their range, booleans off, enums at their first label,
// binaries zero.
func initialState(s *datapoint.Schema, r *rand.Rand) *datapoint.Message {
	m := s.NewMessage(reportAction(s))
	for i, f := range s.Fields() {
		m.Present[i] = true
		switch f.Kind {
		case datapoint.KindUint:
			m.Values[i].Raw = uint64(f.Min + (f.Max-f.Min)/2)
		case datapoint.KindBinary:
			m.Values[i].Bytes = make([]byte, f.ByteLen)
		}
	}
	return m
}

func reportAction(s *datapoint.Schema) byte {
	if s.VarLen() {
		return datapoint.ActionVarReport
	}
	return datapoint.ActionReport
}

func readReplyAction(s *datapoint.Schema) byte {
	if s.VarLen() {
		return datapoint.ActionVarReadReply
	}
	return datapoint.ActionReadReply
}

// Step moves the read-only datapoints as a sensor would: numbers take a
// small random walk inside their range, booleans flip now and then. Alerts
// and faults stay as they are.
func (d *Device) Step() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, f := range d.o.Schema.Fields() {
		if f.Access != datapoint.AccessReadOnly {
			continue
		}
		v := &d.state.Values[i]
		switch f.Kind {
		case datapoint.KindUint:
			span := f.Max - f.Min
			stepMax := max(span/20, 1)
			x := int64(v.Raw) + d.rnd.Int64N(2*stepMax+1) - stepMax
			v.Raw = uint64(min(max(x, f.Min), f.Max))
		case datapoint.KindBool:
			if d.rnd.IntN(5) == 0 {
				v.Raw ^= 1
			}
		}
	}
}

// Report sends the whole current state as an unsolicited 0x0091 report.
func (d *Device) Report() error {
	frame, err := d.statusFrame(reportAction(d.o.Schema), nil)
	if err != nil {
		return err
	}
	d.count(func(s *Stats) { s.Reports++ })
	d.publish("", p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: frame})
	return nil
}

// Run reports every interval, stepping the sensors first, until ctx ends.
func (d *Device) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.Step()
			if err := d.Report(); err != nil {
				d.log.Warn("report", "err", err)
			}
		}
	}
}

// statusFrame encodes the state with the given action; for var_len reads,
// only the asked-for datapoints (nil: all).
func (d *Device) statusFrame(action byte, asked []bool) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.o.Schema.NewMessage(action)
	copy(out.Values, d.state.Values)
	for i := range out.Present {
		out.Present[i] = asked == nil || asked[i]
	}
	return d.o.Schema.Append(nil, out)
}

// onMessage handles app2dev/<did>/<clientid> and ser2cli_res/<did>.
func (d *Device) onMessage(_ paho.Client, m paho.Message) {
	topic := m.Topic()
	if strings.HasPrefix(topic, "ser2cli_res/") {
		d.onServerReply(m.Payload())
		return
	}
	clientID, ok := strings.CutPrefix(topic, "app2dev/"+d.did+"/")
	if !ok {
		return
	}
	f, err := p0.Decode(m.Payload())
	if err != nil || len(f.Payload) == 0 {
		d.log.Info("ignoring bad frame", "topic", topic, "err", err)
		return
	}
	switch f.Cmd {
	case p0.CmdAppToDevice, p0.CmdWithSN:
		d.onCommand(clientID, f)
	default:
		d.count(func(s *Stats) { s.Raw++ })
	}
}

// onCommand answers as GAgent does: command+1 on the same channel. A 0x0090
// is answered on dev2app/<did> with 0x0091; a 0x0093 with 0x0094 and the same
// sn on dev2app/<did>/<clientid>.
func (d *Device) onCommand(clientID string, f p0.Frame) {
	s := d.o.Schema
	msg := s.NewMessage(f.Payload[0])
	if err := s.Decode(f.Payload, msg); err != nil {
		d.log.Info("ignoring undecodable command", "err", err)
		return
	}
	reply := func(payload []byte) {
		if f.Cmd == p0.CmdWithSN {
			d.count(func(s *Stats) { s.Acks++ })
			d.publish(clientID, p0.Frame{Cmd: p0.CmdAckSN, SN: f.SN, Payload: payload})
			return
		}
		d.count(func(s *Stats) { s.Replies++ })
		d.publish("", p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload})
	}
	switch msg.Action {
	case datapoint.ActionRead, datapoint.ActionVarRead:
		d.count(func(s *Stats) { s.Reads++ })
		var asked []bool
		if msg.Action == datapoint.ActionVarRead {
			asked = msg.Present
		}
		payload, err := d.statusFrame(readReplyAction(s), asked)
		if err != nil {
			d.log.Warn("encode read reply", "err", err)
			return
		}
		reply(payload)
	case datapoint.ActionWrite, datapoint.ActionVarWrite:
		d.count(func(s *Stats) { s.Writes++ })
		d.apply(msg)
		if f.Cmd == p0.CmdWithSN {
			reply(nil) // empty 0x0094: acknowledged
		}
		// The change reaches every app as a report, as a real MCU's does.
		if err := d.Report(); err != nil {
			d.log.Warn("report after write", "err", err)
		}
	case datapoint.ActionTransparentToDevice:
		// Echo transparent data back as device-to-app transparent data.
		reply(append([]byte{datapoint.ActionTransparentFromDevice}, msg.Transparent...))
	}
}

// apply takes the written values of writable datapoints.
func (d *Device) apply(msg *datapoint.Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, f := range d.o.Schema.Fields() {
		if !msg.Present[i] || f.Access != datapoint.AccessWritable {
			continue
		}
		v := msg.Values[i]
		v.Bytes = append([]byte(nil), v.Bytes...)
		d.state.Values[i] = v
	}
}

// RequestAppCount asks the server how many apps watch this device
// (cli2ser_req 0x020F) and waits for the 0x0210 answer.
func (d *Device) RequestAppCount(ctx context.Context) (int, error) {
	req := p0.AppendServer(nil, p0.ServerMessage{Cmd: p0.CmdAppCountRequest})
	if err := wait(ctx, d.client.Publish("cli2ser_req", 0, false, req)); err != nil {
		return 0, err
	}
	select {
	case n := <-d.appCount:
		return n, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (d *Device) onServerReply(b []byte) {
	m, err := p0.DecodeServer(b)
	if err != nil || m.Cmd != p0.CmdAppCountReply || len(m.Body) < 2 {
		return
	}
	select {
	case d.appCount <- int(binary.BigEndian.Uint16(m.Body)):
	default:
	}
}

func (d *Device) count(f func(*Stats)) {
	d.mu.Lock()
	f(&d.stats)
	d.mu.Unlock()
}
