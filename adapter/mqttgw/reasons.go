package mqttgw

import (
	"fmt"
	"strings"
)

// An answer is what a device's connection sees in one situation: a packet
// with a code, then perhaps the connection closed; or nothing at all.
type answer struct {
	packet string // CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT; "" for none
	codes  []byte // the packet's code; more than one when it varies
	text   string // how the document writes codes, when not as hex
	closed bool   // the server closes the connection (after the packet, if any)
	na     bool   // cannot happen in this protocol version
}

// code is the answer's code, for the rows the gateway sends itself.
func (a answer) code() byte { return a.codes[0] }

// String is the answer as docs/protocol-gizwits.md writes it; a test checks
// the document has every row of reasons exactly so.
func (a answer) String() string {
	switch {
	case a.na:
		return "—"
	case a.packet == "" && a.closed:
		return "closed"
	case a.packet == "":
		return "dropped, session kept"
	}
	s := a.packet + " " + a.codeText()
	if a.closed {
		s += ", closed"
	}
	return s
}

func (a answer) codeText() string {
	if a.text != "" {
		return a.text
	}
	hex := make([]string, len(a.codes))
	for i, c := range a.codes {
		hex[i] = fmt.Sprintf("0x%02X", c)
	}
	return strings.Join(hex, " or ")
}

// Shorthands for the table.
func send(packet string, code byte) answer { return answer{packet: packet, codes: []byte{code}} }
func sendClose(packet string, code byte) answer {
	return answer{packet: packet, codes: []byte{code}, closed: true}
}

var (
	dropped     = answer{}
	closed      = answer{closed: true}
	notPossible = answer{na: true}
)

// A reason is one situation in which the gateway answers a device, with the
// answer for MQTT 3.1/3.1.1 (v3) and for MQTT 5 (v5). by says who decides:
// "gateway" rows are sent by this package's code from this table; "mochi"
// rows are the broker's own behaviour, kept because it is right, and
// checked by the tests like the others.
type reason struct {
	id     string
	when   string
	v3, v5 answer
	by     string
}

// answer for a protocol version (3 and 4 are MQTT 3.1 and 3.1.1).
func (r reason) answer(version byte) answer {
	if version >= 5 {
		return r.v5
	}
	return r.v3
}

// The reasons, in the order of the table in docs/protocol-gizwits.md
// ("Authorization of every MQTT path").
var (
	reasonConnectAccepted = reason{"connect-accepted", "CONNECT with the right credentials and no will",
		send("CONNACK", 0x00), send("CONNACK", 0x00), "gateway"}
	reasonConnectProtocolLevel = reason{"connect-protocol-level", "CONNECT of protocol `MQTT` or `MQIsdp` at a level other than 3, 4 or 5",
		sendClose("CONNACK", 0x01), notPossible, "gateway"}
	reasonConnectMalformed = reason{"connect-malformed", "CONNECT that breaks the protocol (reserved flag, will flags without a will, password without its flag, …)",
		closed, answer{packet: "CONNACK", codes: []byte{0x81, 0x82}, closed: true}, "mochi (v5), gateway (v3)"}
	reasonConnectBadCredentials = reason{"connect-bad-credentials", "unknown or deleted did, wrong or empty passcode, no username",
		sendClose("CONNACK", 0x04), sendClose("CONNACK", 0x86), "gateway"}
	reasonConnectClientID = reason{"connect-client-id", "client id other than the username (an empty client id included)",
		sendClose("CONNACK", 0x02), sendClose("CONNACK", 0x85), "gateway"}
	reasonConnectDisabled = reason{"connect-disabled", "device disabled (passcode right)",
		sendClose("CONNACK", 0x05), sendClose("CONNACK", 0x87), "gateway"}
	reasonConnectWill = reason{"connect-will", "CONNECT with a will, whatever its topic, QoS or retain flag",
		sendClose("CONNACK", 0x05), sendClose("CONNACK", 0x87), "gateway"}
	reasonConnectUnavailable = reason{"connect-unavailable", "the store failed while checking the credentials",
		sendClose("CONNACK", 0x03), sendClose("CONNACK", 0x88), "gateway"}
	reasonPublishAcceptedQoS1 = reason{"publish-accepted-qos1", "PUBLISH QoS 1 to the device's own topics (sent once the report is stored)",
		send("PUBACK", 0x00), send("PUBACK", 0x00), "mochi"}
	reasonPublishAcceptedQoS2 = reason{"publish-accepted-qos2", "PUBLISH QoS 2 to the device's own topics (then PUBREL, PUBCOMP)",
		send("PUBREC", 0x00), send("PUBREC", 0x00), "mochi"}
	reasonPublishRefusedQoS0 = reason{"publish-refused-qos0", "PUBLISH QoS 0 to any other topic (`$SYS/…`, `$share/…`, another device's)",
		dropped, dropped, "gateway"}
	reasonPublishRefusedQoS1 = reason{"publish-refused-qos1", "PUBLISH QoS 1 to any other topic",
		closed, send("PUBACK", 0x87), "gateway"}
	reasonPublishRefusedQoS2 = reason{"publish-refused-qos2", "PUBLISH QoS 2 to any other topic",
		closed, send("PUBREC", 0x87), "gateway"}
	reasonPublishRetain = reason{"publish-retain", "PUBLISH with retain = 1, to any topic at any QoS",
		closed, sendClose("DISCONNECT", 0x9A), "gateway"}
	reasonPublishTopicAlias = reason{"publish-topic-alias", "PUBLISH with a topic alias (Topic Alias Maximum is 0)",
		notPossible, sendClose("DISCONNECT", 0x94), "mochi"}
	reasonPublishProtocol = reason{"publish-protocol", "PUBLISH that breaks the protocol (a wildcard in the topic, a subscription identifier, QoS > 0 without a packet id, …)",
		closed, sendClose("DISCONNECT", 0x82), "mochi"}
	reasonPublishNotStored = reason{"publish-not-stored", "PUBLISH QoS 1 or 2 whose report is not stored within 10 s",
		closed, closed, "gateway"}
	reasonSubscribeAccepted = reason{"subscribe-accepted", "SUBSCRIBE to the device's own topics",
		answer{packet: "SUBACK", codes: []byte{0, 1, 2}, text: "granted QoS"}, answer{packet: "SUBACK", codes: []byte{0, 1, 2}, text: "granted QoS"}, "mochi"}
	reasonSubscribeRefused = reason{"subscribe-refused", "SUBSCRIBE to any other filter (another device's topics, `#`, `+/…`, `$SYS/…`, `$share/…`)",
		send("SUBACK", 0x80), send("SUBACK", 0x87), "mochi (the ACL is the gateway's)"}
	reasonSubscribeInvalid = reason{"subscribe-invalid", "SUBSCRIBE with an invalid filter (`a/#/b`, `$share/g` without a filter)",
		send("SUBACK", 0x80), send("SUBACK", 0x8F), "mochi"}
	reasonDisconnectTakenOver = reason{"disconnect-taken-over", "another connection logs in as the same device",
		answer{packet: "DISCONNECT", codes: []byte{0}, text: "(no code)", closed: true}, sendClose("DISCONNECT", 0x8E), "mochi"}
	reasonDisconnectShutdown = reason{"disconnect-shutdown", "the server shuts down",
		answer{packet: "DISCONNECT", codes: []byte{0}, text: "(no code)", closed: true}, sendClose("DISCONNECT", 0x8B), "mochi"}
	reasonDisconnectControl = reason{"disconnect-control", "the device is disabled, deleted or registered again while connected",
		closed, closed, "gateway"}
	reasonDisconnectKeepalive = reason{"disconnect-keepalive", "nothing received for 1.5 × the keepalive",
		closed, closed, "mochi"}
)

// reasons is every row, in the document's order.
var reasons = []reason{
	reasonConnectAccepted, reasonConnectProtocolLevel, reasonConnectMalformed,
	reasonConnectBadCredentials, reasonConnectClientID, reasonConnectDisabled,
	reasonConnectWill, reasonConnectUnavailable,
	reasonPublishAcceptedQoS1, reasonPublishAcceptedQoS2,
	reasonPublishRefusedQoS0, reasonPublishRefusedQoS1, reasonPublishRefusedQoS2,
	reasonPublishRetain, reasonPublishTopicAlias, reasonPublishProtocol, reasonPublishNotStored,
	reasonSubscribeAccepted, reasonSubscribeRefused, reasonSubscribeInvalid,
	reasonDisconnectTakenOver, reasonDisconnectShutdown, reasonDisconnectControl, reasonDisconnectKeepalive,
}
