package core

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/store"
)

// ErrBadFrame wraps a P0 decoding error: the bytes are not a P0 frame.
var ErrBadFrame = fmt.Errorf("core: bad P0 frame")

// DeviceUplink handles one frame a device published on dev2app/<did> or,
// answering one app's 0x0093, on dev2app/<did>/<clientID>.
//
// Datapoint frames (0x0091, 0x0093, 0x0094 carrying a read-reply or report
// action) are decoded against the product schema, merged into the latest
// state and published as report/reply events; everything else that is a
// valid P0 frame (transparent data, gateway actions, unknown commands) is
// published raw, as the WebSocket document requires (s2c_raw even under
// attrs_v4). A frame that claims datapoints but does not fit the schema is
// published raw too, with Error set, and the error is returned so the
// adapter can count it. Bytes that are not P0 at all are dropped with an
// error wrapping ErrBadFrame.
func (n *Node) DeviceUplink(ctx context.Context, d store.Device, clientID string, frame []byte) error {
	f, err := p0.Decode(frame)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadFrame, err)
	}
	// Milliseconds: the precision the store keeps, so a state reads the same
	// from the cache and after a restart.
	now := time.Now().UTC().Truncate(time.Millisecond)
	ev := DeviceEvent{
		DID: d.DID, ProductKey: d.ProductKey, MAC: d.MAC, Cmd: f.Cmd, ClientID: clientID,
		// The frame aliases the adapter's buffer: publishEvent encodes the
		// event before this returns, and nothing else keeps it.
		Raw: frame,
		At:  now,
	}
	if p0.HasSN(f.Cmd) {
		ev.SN, ev.HasSN = f.SN, true
	}
	if len(f.Payload) > 0 {
		ev.Action = f.Payload[0]
	}
	var decodeErr error
	switch {
	case f.Cmd != p0.CmdDeviceToApp && f.Cmd != p0.CmdWithSN && f.Cmd != p0.CmdAckSN:
		ev.Kind = EventRaw
	case len(f.Payload) == 0 && f.Cmd == p0.CmdAckSN:
		ev.Kind = EventAck
	case !isStatusAction(ev.Action):
		ev.Kind = EventRaw
	default:
		decodeErr = n.decodeStatus(ctx, d, f, &ev)
	}
	n.publishEvent(ctx, SubjectData(d.DID), &ev)
	return decodeErr
}

// isStatusAction reports whether a device-to-app action carries datapoints.
func isStatusAction(a byte) bool {
	switch a {
	case datapoint.ActionReadReply, datapoint.ActionReport, datapoint.ActionVarReadReply, datapoint.ActionVarReport:
		return true
	}
	return false
}

func (n *Node) decodeStatus(ctx context.Context, d store.Device, f p0.Frame, ev *DeviceEvent) error {
	schema, err := n.Schema(ctx, d.ProductKey)
	if err != nil {
		ev.Kind, ev.Error = EventRaw, err.Error()
		return err
	}
	msg := schema.GetMessage(ev.Action)
	defer schema.PutMessage(msg) // merge copies what it keeps
	if err := schema.Decode(f.Payload, msg); err != nil {
		ev.Kind, ev.Error = EventRaw, err.Error()
		return fmt.Errorf("%w: %w", ErrNotStandard, err)
	}
	ev.Attrs = schema.AppendJSON(nil, msg)
	switch {
	case f.Cmd == p0.CmdAckSN:
		ev.Kind = EventReply // answers the app's 0x0093 (res_sn)
	case f.Cmd == p0.CmdWithSN:
		ev.Kind = EventReport // device asks for an ack (req_sn)
	case ev.Action == datapoint.ActionReadReply || ev.Action == datapoint.ActionVarReadReply:
		ev.Kind = EventReply
	default:
		ev.Kind = EventReport
	}
	subscribed := n.follower.Subscribed(d.DID)
	if changed := n.states.merge(ctx, d.DID, schema, msg, ev.At, subscribed); len(changed) > 0 {
		n.states.addPushes(n.follower.ForReport(d.DID, d.ProductKey, changed, ev.At))
	}
	return nil
}

// WaitStored returns once every report handled before the call, and the
// pushes it caused, is on disk. The MQTT gateway calls it before it
// acknowledges a QoS 1 PUBLISH.
func (n *Node) WaitStored(ctx context.Context) error { return n.states.sync(ctx) }
