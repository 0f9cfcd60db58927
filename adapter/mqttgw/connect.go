package mqttgw

import (
	"errors"
	"fmt"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/switchboard-iot/switchboard/core"
)

// errRefused ends a connection the gateway answered itself.
var errRefused = errors.New("mqttgw: refused")

// readConnect adjusts a CONNECT before mochi validates it, where mochi's
// own answer would be wrong for the device (docs/protocol-gizwits.md,
// "Authorization of every MQTT path"). An error closes the connection
// without any CONNACK.
func (h *hook) readConnect(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	c := &pk.Connect
	name := string(c.ProtocolName)
	if (name == "MQTT" || name == "MQIsdp") && !supportedLevel(name, pk.ProtocolVersion) {
		// MQTT 3.1.1 [MQTT-3.1.2-2]: 0x01, in the only CONNACK format a
		// client of an unknown level can be expected to read.
		h.g.log.Info("device refused: protocol level", "level", pk.ProtocolVersion, "remote", cl.Net.Remote)
		_ = cl.WritePacket(connack(reasonConnectProtocolLevel.v3.code()))
		return pk, fmt.Errorf("%w: protocol level %d: %w", errRefused, pk.ProtocolVersion, packets.ErrRejectPacket)
	}
	// A zero-length password is valid MQTT (3.1.1 §3.1.3.5, 5 §3.1.3.6), but
	// mochi refuses it as a protocol error (0x82, which 3.1.1 lacks). It is
	// a wrong passcode: drop the flag and let authentication say so.
	if c.PasswordFlag && len(c.Password) == 0 {
		c.PasswordFlag = false
	}
	// Every will is refused in OnConnect, with the code of reasonConnectWill;
	// without this mochi would first answer a retained will with 0x9A, which
	// 3.1.1 lacks.
	if c.WillFlag {
		c.WillRetain = false
	}
	if pk.ProtocolVersion < 5 {
		// Sessions end with their connection (MQTT 5 devices get a session
		// expiry of 0 in CONNACK); a 3.1.1 device cannot be told so, so its
		// CONNACK says no session is present and nothing is kept.
		c.Clean = true
		// 3.1.1 [MQTT-3.1.4-1]: a CONNECT that does not conform closes the
		// connection without a CONNACK (mochi would send 0x80-0x9F codes).
		if code := pk.ConnectValidate(); code != packets.CodeSuccess {
			h.g.log.Info("device refused: malformed CONNECT", "err", code, "remote", cl.Net.Remote)
			return pk, fmt.Errorf("%w: %w: %w", errRefused, code, packets.ErrRejectPacket)
		}
	}
	return pk, nil
}

func supportedLevel(name string, level byte) bool {
	if name == "MQIsdp" {
		return level == 3
	}
	return level == 4 || level == 5
}

// admit decides a CONNECT that mochi found well formed: client id =
// username = did, password = passcode (notes §1.2), no will. It returns the
// refusal, or the device's session.
func (h *hook) admit(cl *mqtt.Client, pk packets.Packet) (*session, *reason) {
	did := string(pk.Connect.Username)
	if pk.Connect.WillFlag {
		h.g.log.Info("device refused: CONNECT with a will", "client", cl.ID, "will_topic", pk.Connect.WillTopic, "remote", cl.Net.Remote)
		return nil, &reasonConnectWill
	}
	if cl.ID != did || !pk.Connect.UsernameFlag {
		if did == "" {
			h.g.log.Info("device refused: no username", "client", cl.ID, "remote", cl.Net.Remote)
			return nil, &reasonConnectBadCredentials
		}
		h.g.log.Info("device refused: client id is not the username", "client", cl.ID, "did", did, "remote", cl.Net.Remote)
		return nil, &reasonConnectClientID
	}
	d, err := h.g.node.AuthenticateDevice(hookContext(), did, string(pk.Connect.Password))
	switch {
	case err == nil:
		return &session{client: cl, device: d}, nil
	case errors.Is(err, core.ErrBadCredentials):
		h.g.log.Info("device refused: bad credentials", "did", did, "remote", cl.Net.Remote)
		return nil, &reasonConnectBadCredentials
	case errors.Is(err, core.ErrDeviceDisabled):
		h.g.log.Info("device refused: disabled", "did", did, "remote", cl.Net.Remote)
		return nil, &reasonConnectDisabled
	default:
		h.g.log.Warn("device refused: credentials not checked", "did", did, "remote", cl.Net.Remote, "err", err)
		return nil, &reasonConnectUnavailable
	}
}

// refuseConnect answers a refused CONNECT with its reason's code.
func refuseConnect(cl *mqtt.Client, r *reason) error {
	a := r.answer(cl.Properties.ProtocolVersion)
	ack := connack(a.code())
	if cl.Properties.ProtocolVersion >= 5 {
		ack.Properties.ReasonString = r.id
	}
	_ = cl.WritePacket(ack)
	return fmt.Errorf("%w: %s", errRefused, r.id)
}

func connack(code byte) packets.Packet {
	return packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connack}, ReasonCode: code}
}

// encodeConnack tells MQTT 5 devices in CONNACK what mochi does not: no
// retained messages (a PUBLISH with retain is then a protocol error the
// gateway answers with DISCONNECT 0x9A [MQTT-3.2.2-14]) and no shared
// subscriptions. An absent Topic Alias Maximum already means 0.
func encodeConnack(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if cl.Properties.ProtocolVersion < 5 || pk.ReasonCode != packets.CodeSuccess.Code {
		return pk
	}
	pk.Properties.RetainAvailable, pk.Properties.RetainAvailableFlag = 0, true
	pk.Properties.SharedSubAvailable, pk.Properties.SharedSubAvailableFlag = 0, true
	return pk
}

// voidTopic is where a will would go if one ever reached OnWill: no
// device may subscribe to it, and wildcards do not match $ topics
// [MQTT-4.7.2-1].
const voidTopic = "$switchboard/refused-will"

// dropWill is OnWill's answer: wills are refused at CONNECT, so a session
// holding one is a bug; its bytes must still reach no one.
func dropWill(w mqtt.Will) mqtt.Will {
	return mqtt.Will{TopicName: voidTopic, Payload: []byte{}, Flag: w.Flag}
}
