package mqttgw_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
)

// mqttConn is a hand-written MQTT 3.1, 3.1.1 or 5 client over a plain
// socket, encoding and decoding with mochi's packets package. It sends what
// a polite client never would (wills on others' topics, retained
// publishes, topic aliases, malformed CONNECTs) and sees every byte the
// server answers, so a test can check the exact code and whether the
// connection was closed.
type mqttConn struct {
	t       testing.TB
	conn    net.Conn
	r       *bufio.Reader
	version byte
	nextID  uint16
}

func dialMQTT(t testing.TB, addr string, version byte) *mqttConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &mqttConn{t: t, conn: conn, r: bufio.NewReader(conn), version: version}
}

// connectPacket is a CONNECT as GAgent sends it: clean session, client id
// = username = did, password = passcode.
func connectPacket(version byte, clientID, user, pass string) packets.Packet {
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: version}
	pk.Connect.ProtocolName = []byte("MQTT")
	if version == 3 {
		pk.Connect.ProtocolName = []byte("MQIsdp")
	}
	pk.Connect.Clean = true
	pk.Connect.Keepalive = 120
	pk.Connect.ClientIdentifier = clientID
	if user != "" {
		pk.Connect.UsernameFlag, pk.Connect.Username = true, []byte(user)
	}
	if pass != "" {
		pk.Connect.PasswordFlag, pk.Connect.Password = true, []byte(pass)
	}
	return pk
}

// send encodes and writes one packet in the connection's protocol version
// (the CONNECT's own version for a CONNECT).
func (c *mqttConn) send(pk packets.Packet) {
	c.t.Helper()
	if pk.FixedHeader.Type != packets.Connect {
		pk.ProtocolVersion = c.version
	}
	var buf bytes.Buffer
	var err error
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Pubrel:
		err = pk.PubrelEncode(&buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&buf)
	case packets.Pingreq:
		err = pk.PingreqEncode(&buf)
	case packets.Disconnect:
		err = pk.DisconnectEncode(&buf)
	default:
		err = fmt.Errorf("no encoder for packet type %d", pk.FixedHeader.Type)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	// The server may already have closed the socket; the reads tell.
	_, _ = c.conn.Write(buf.Bytes())
}

func (c *mqttConn) id() uint16 {
	c.nextID++
	return c.nextID
}

// publish sends a PUBLISH with a packet id when QoS > 0; edit adjusts it
// before it is sent (properties, flags).
func (c *mqttConn) publish(topic string, qos byte, payload []byte, edit ...func(*packets.Packet)) {
	c.t.Helper()
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: qos}, TopicName: topic, Payload: payload}
	if qos > 0 {
		pk.PacketID = c.id()
	}
	for _, e := range edit {
		e(&pk)
	}
	c.send(pk)
}

func (c *mqttConn) subscribe(filter string, qos byte) {
	c.t.Helper()
	c.send(packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1},
		PacketID:    c.id(),
		Filters:     packets.Subscriptions{{Filter: filter, Qos: qos}},
	})
}

// errClosed is what read returns when the server closed the connection.
var errClosed = errors.New("connection closed by the server")

// read returns the next packet, errClosed, or an error after 10 s of
// silence.
func (c *mqttConn) read() (packets.Packet, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := c.r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return packets.Packet{}, errClosed
		}
		return packets.Packet{}, err
	}
	var fh packets.FixedHeader
	if err := fh.Decode(b); err != nil {
		return packets.Packet{}, err
	}
	n, _, err := packets.DecodeLength(c.r)
	if err != nil {
		return packets.Packet{}, err
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return packets.Packet{}, err
	}
	fh.Remaining = n
	pk := packets.Packet{FixedHeader: fh, ProtocolVersion: c.version}
	switch fh.Type {
	case packets.Connack:
		err = pk.ConnackDecode(body)
	case packets.Publish:
		err = pk.PublishDecode(body)
	case packets.Puback:
		err = pk.PubackDecode(body)
	case packets.Pubrec:
		err = pk.PubrecDecode(body)
	case packets.Pubcomp:
		err = pk.PubcompDecode(body)
	case packets.Suback:
		err = pk.SubackDecode(body)
	case packets.Pingresp:
	case packets.Disconnect:
		err = pk.DisconnectDecode(body)
	default:
		err = fmt.Errorf("unexpected packet type %d", fh.Type)
	}
	return pk, err
}

var packetNames = map[byte]string{
	packets.Connack: "CONNACK", packets.Publish: "PUBLISH", packets.Puback: "PUBACK", packets.Pubrec: "PUBREC",
	packets.Pubcomp: "PUBCOMP", packets.Suback: "SUBACK", packets.Pingresp: "PINGRESP", packets.Disconnect: "DISCONNECT",
}

// code is the reason or return code a packet carries.
func code(pk packets.Packet) byte {
	if pk.FixedHeader.Type == packets.Suback && len(pk.ReasonCodes) > 0 {
		return pk.ReasonCodes[0]
	}
	return pk.ReasonCode
}

// expect checks that the server answers exactly as documented: the packet
// and code, then either a closed connection or (with a PINGREQ) one that
// still works and sent nothing else.
func (c *mqttConn) expect(want mqttgw.Answer) error {
	if want.Packet != "" {
		pk, err := c.read()
		if err != nil {
			return fmt.Errorf("want %s %#x, got %v", want.Packet, want.Codes, err)
		}
		if got := packetNames[pk.FixedHeader.Type]; got != want.Packet || !slices.Contains(want.Codes, code(pk)) {
			return fmt.Errorf("want %s %#x, got %s %#x", want.Packet, want.Codes, got, code(pk))
		}
	}
	if want.Closed {
		pk, err := c.read()
		if !errors.Is(err, errClosed) {
			return fmt.Errorf("want the connection closed, got %s %#x (%v)", packetNames[pk.FixedHeader.Type], code(pk), err)
		}
		return nil
	}
	c.send(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}})
	pk, err := c.read()
	if err != nil {
		return fmt.Errorf("want the session kept, got %v", err)
	}
	if pk.FixedHeader.Type != packets.Pingresp {
		return fmt.Errorf("want nothing before PINGRESP, got %s %#x", packetNames[pk.FixedHeader.Type], code(pk))
	}
	return nil
}

func (c *mqttConn) close() { _ = c.conn.Close() }
