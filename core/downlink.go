package core

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/store"
)

// Target names who sends a downlink and how: ClientID is the last level of
// app2dev/<did>/<clientid> (the device answers a 0x0093 there), and SN, when
// WithSN, makes the frame a 0x0093 the device must acknowledge with 0x0094.
type Target struct {
	DID      string
	ClientID string
	SN       uint32
	WithSN   bool
}

// MaxClientIDLen is what GAgent keeps of the client-id level (notes §1.3).
const MaxClientIDLen = 23

func (t Target) validate() error {
	if t.ClientID == "" || len(t.ClientID) > MaxClientIDLen || strings.ContainsAny(t.ClientID, "/+#\x00") {
		return invalidInput("client id", "must be 1 to "+strconv.Itoa(MaxClientIDLen)+" characters without / + #")
	}
	return nil
}

// WriteAttrs sends a datapoint write (action 0x01 or 0x11) built from shown
// values, as JSON decodes them.
func (n *Node) WriteAttrs(ctx context.Context, t Target, attrs map[string]any) error {
	if len(attrs) == 0 {
		return invalidInput("attrs", "must name at least one datapoint")
	}
	d, schema, err := n.downlinkDevice(ctx, t)
	if err != nil {
		return err
	}
	action := datapoint.ActionWrite
	if schema.VarLen() {
		action = datapoint.ActionVarWrite
	}
	msg := schema.NewMessage(action)
	for name, v := range attrs {
		if err := schema.Set(msg, name, v); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
	}
	payload, err := schema.Append(nil, msg)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return n.sendPayload(ctx, d, t, payload)
}

// ReadAttrs asks the device for its datapoints: action 0x02 for fixed-length
// products (which always answer with everything), 0x12 with the named
// datapoints, or all of them when names is empty, for var_len products.
func (n *Node) ReadAttrs(ctx context.Context, t Target, names []string) error {
	d, schema, err := n.downlinkDevice(ctx, t)
	if err != nil {
		return err
	}
	var payload []byte
	if !schema.VarLen() {
		payload = []byte{datapoint.ActionRead}
	} else {
		msg := schema.NewMessage(datapoint.ActionVarRead)
		if len(names) == 0 {
			for i := range msg.Present {
				msg.Present[i] = true
			}
		}
		for _, name := range names {
			i, ok := schema.Lookup(name)
			if !ok {
				return &datapoint.FieldError{Field: name, Err: datapoint.ErrUnknownField}
			}
			msg.Present[i] = true
		}
		if payload, err = schema.Append(nil, msg); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
	}
	return n.sendPayload(ctx, d, t, payload)
}

// SendRaw forwards an app's own P0 frame. It must be a whole, valid frame
// with command 0x0090, 0x0093 or 0x0094 (the WebSocket document's c2s_raw
// prefix rule); the Target's SN is ignored because the frame carries its own.
func (n *Node) SendRaw(ctx context.Context, t Target, frame []byte) error {
	f, err := p0.Decode(frame)
	if err != nil {
		return &InputError{Field: "raw", Reason: "is not a valid P0 frame", Err: err}
	}
	if f.Cmd != p0.CmdAppToDevice && f.Cmd != p0.CmdWithSN && f.Cmd != p0.CmdAckSN {
		return invalidInput("raw", "must be a frame with command 0x0090, 0x0093 or 0x0094")
	}
	d, _, err := n.downlinkDevice(ctx, t)
	if err != nil {
		return err
	}
	n.publishJSON(ctx, SubjectDown(d.DID), Downlink{DID: d.DID, ClientID: t.ClientID, Frame: frame})
	return nil
}

// AckDevice answers a device's 0x0093 with an empty 0x0094 of the same sn.
func (n *Node) AckDevice(ctx context.Context, t Target) error {
	t.WithSN = true
	d, _, err := n.downlinkDevice(ctx, t)
	if err != nil {
		return err
	}
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdAckSN, SN: t.SN})
	n.publishJSON(ctx, SubjectDown(d.DID), Downlink{DID: d.DID, ClientID: t.ClientID, Frame: frame})
	return nil
}

// downlinkDevice checks that a command can go to the device now.
func (n *Node) downlinkDevice(ctx context.Context, t Target) (store.Device, *datapoint.Schema, error) {
	if err := t.validate(); err != nil {
		return store.Device{}, nil, err
	}
	d, err := n.Device(ctx, t.DID)
	if err != nil {
		return store.Device{}, nil, err
	}
	if d.Disabled {
		return store.Device{}, nil, ErrDeviceDisabled
	}
	if !d.Online {
		return store.Device{}, nil, ErrDeviceOffline
	}
	schema, err := n.Schema(ctx, d.ProductKey)
	if err != nil {
		return store.Device{}, nil, err
	}
	return d, schema, nil
}

func (n *Node) sendPayload(ctx context.Context, d store.Device, t Target, payload []byte) error {
	f := p0.Frame{Cmd: p0.CmdAppToDevice, Payload: payload}
	if t.WithSN {
		f.Cmd, f.SN = p0.CmdWithSN, t.SN
	}
	n.publishJSON(ctx, SubjectDown(d.DID), Downlink{DID: d.DID, ClientID: t.ClientID, Frame: p0.Append(nil, f)})
	return nil
}
