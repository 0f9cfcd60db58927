package core

import (
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// EventKind says what a DeviceEvent reports.
type EventKind string

const (
	// EventReport: the device sent datapoints on its own (0x0091 report
	// action, or 0x0093 with an sn the app must acknowledge).
	EventReport EventKind = "report"
	// EventReply: the device answered a read or write (0x0091 read reply, or
	// 0x0094 carrying datapoints for an app's 0x0093).
	EventReply EventKind = "reply"
	// EventAck: the device acknowledged an app's 0x0093 with an empty 0x0094.
	EventAck EventKind = "ack"
	// EventRaw: a frame that is not standard datapoints (transparent data,
	// gateway actions, or a payload the product schema cannot decode).
	EventRaw EventKind = "raw"
	// EventOnline and EventOffline: the device went online or offline. A
	// session taken over by a new one is no change and has no event, so a
	// device's events alternate (core/sessions.go).
	EventOnline  EventKind = "online"
	EventOffline EventKind = "offline"
)

// DeviceEvent is what the core tells app-side adapters about a device. It is
// carried on the bus as JSON or in a binary form (events_wire.go), so it
// must stay plain data; read it with DecodeDeviceEvent.
type DeviceEvent struct {
	Kind       EventKind `json:"kind"`
	DID        string    `json:"did"`
	ProductKey string    `json:"product_key,omitempty"`
	MAC        string    `json:"mac,omitempty"`
	// Cmd is the P0 command of the frame (0x0091, 0x0093, 0x0094).
	Cmd uint16 `json:"cmd,omitempty"`
	// SN is the frame's sequence number when HasSN: for 0x0093 it is the
	// number the app must acknowledge (req_sn); for 0x0094 it answers the
	// app's request (res_sn).
	SN    uint32 `json:"sn,omitempty"`
	HasSN bool   `json:"has_sn,omitempty"`
	// ClientID is the app client a 0x0094 was addressed to (the last level of
	// dev2app/<did>/<clientid>); empty for broadcasts.
	ClientID string `json:"client_id,omitempty"`
	// Action is the datapoint action byte, 0 when the payload is empty.
	Action byte `json:"action,omitempty"`
	// Attrs holds the datapoints this frame carried, name to shown value.
	Attrs json.RawMessage `json:"attrs,omitempty"`
	// Raw is the whole P0 frame as the device sent it.
	Raw []byte `json:"raw,omitempty"`
	// Error says why a frame was delivered raw although it claimed to be
	// datapoints (schema mismatch); empty otherwise.
	Error string    `json:"error,omitempty"`
	At    time.Time `json:"at"`
}

// Downlink is a P0 frame for one device, routed over the bus to whichever
// node holds the device's MQTT session.
type Downlink struct {
	DID string `json:"did"`
	// ClientID becomes the last level of app2dev/<did>/<clientid>, which the
	// device copies into its 0x0094 reply topic.
	ClientID string `json:"client_id"`
	Frame    []byte `json:"frame"`
}

// ControlKind names an operation on a device's session.
type ControlKind string

// ControlDisconnect asks the node holding the session to close it (the device
// was disabled, deleted, or its passcode changed).
const ControlDisconnect ControlKind = "disconnect"

// ControlTakenOver tells the node holding a device's session that a newer
// session (Owner), perhaps on another node, now holds the device: any
// other established session of the device must close, as MQTT's own
// takeover does on one broker.
const ControlTakenOver ControlKind = "taken_over"

// Control is an operation on a device's session, routed like a Downlink.
type Control struct {
	Kind   ControlKind `json:"kind"`
	DID    string      `json:"did"`
	Reason string      `json:"reason"`
	// IssuedAt scopes the control to sessions established before it: the
	// bus delivers asynchronously, so a device that re-registers and
	// reconnects at once must not have its new session closed by the
	// control its registration caused.
	IssuedAt time.Time `json:"issued_at"`
	// Owner is the session that took the device over (ControlTakenOver).
	Owner store.SessionOwner `json:"owner,omitzero"`
}
