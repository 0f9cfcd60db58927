package mqttgw

import (
	"fmt"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// topicAliasMaximum is 0: devices may not use topic aliases. An alias
// would be one more name for a topic the ACL has to follow, and GAgent's
// topics are short.
const topicAliasMaximum = 0

// readPublish applies the publish policy to a device's PUBLISH before
// mochi processes it, so that every refusal gets its answer from the
// reasons table: mochi drops some refused publishes (any `$SYS/…` topic)
// before its ACL hook, without the PUBACK a QoS 1 device waits for, and
// answers 3.1.1 devices with a DISCONNECT 3.1.1 does not have. An error
// closes the connection.
func (h *hook) readPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	s := h.session(cl)
	if s == nil || cl.Net.Inline {
		return pk, nil
	}
	// Protocol errors, topic aliases among them, are mochi's to answer
	// (reasonPublishProtocol, reasonPublishTopicAlias).
	if pk.PublishValidate(topicAliasMaximum) != packets.CodeSuccess {
		return pk, nil
	}
	r := publishRefusal(s.device.DID, pk)
	if r == nil {
		return pk, nil
	}
	h.g.log.Info("device refused by ACL", "did", s.device.DID, "topic", pk.TopicName, "publish", true,
		"qos", pk.FixedHeader.Qos, "retain", pk.FixedHeader.Retain, "reason", r.id)
	a := r.answer(cl.Properties.ProtocolVersion)
	switch {
	case a.packet == "DISCONNECT":
		_ = h.g.broker.DisconnectClient(cl, packets.Code{Code: a.code(), Reason: r.id})
	case a.packet != "":
		ack := packets.Packet{
			FixedHeader: packets.FixedHeader{Type: packets.Puback},
			PacketID:    pk.PacketID,
			ReasonCode:  a.code(),
		}
		if a.packet == "PUBREC" {
			ack.FixedHeader.Type = packets.Pubrec
		}
		if err := cl.WritePacket(ack); err != nil {
			return pk, fmt.Errorf("%s: %w: %w", r.id, err, packets.ErrRejectPacket)
		}
	}
	if a.closed {
		return pk, fmt.Errorf("%s: %w", r.id, packets.ErrRejectPacket)
	}
	// Answered, or nothing to answer: what mochi gets is a QoS 0 publish
	// to the refused topic, which its ACL check (or its $SYS rule) drops
	// without a word. The session stays.
	pk.FixedHeader.Qos, pk.PacketID = 0, 0
	return pk, nil
}

// publishRefusal is the publish policy: a device publishes only to its own
// uplink topics and cli2ser_req, never retained. nil means allowed.
func publishRefusal(did string, pk packets.Packet) *reason {
	if pk.FixedHeader.Retain {
		return &reasonPublishRetain
	}
	if mayPublish(did, pk.TopicName) {
		return nil
	}
	switch pk.FixedHeader.Qos {
	case 0:
		return &reasonPublishRefusedQoS0
	case 1:
		return &reasonPublishRefusedQoS1
	default:
		return &reasonPublishRefusedQoS2
	}
}
