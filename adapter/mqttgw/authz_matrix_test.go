package mqttgw_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// What a device may do with a topic name, by the documented rules.
const (
	pubOwn      = "own"      // its uplink or cli2ser_req: accepted
	pubOther    = "other"    // any other topic name: refused
	pubProtocol = "protocol" // not a topic name (wildcards): a protocol error
)

// A topicKind is a topic or filter an attacking device uses, and what
// docs/protocol-gizwits.md says of publishing to it and subscribing to it.
type topicKind struct {
	name      string
	topic     func(attacker, victim, productKey string) string
	publish   string
	subscribe string // reason id
}

var topicKinds = []topicKind{
	{"own uplink", func(a, v, pk string) string { return "dev2app/" + a }, pubOwn, "subscribe-refused"},
	{"own uplink to an app", func(a, v, pk string) string { return "dev2app/" + a + "/usr1" }, pubOwn, "subscribe-refused"},
	{"other's uplink", func(a, v, pk string) string { return "dev2app/" + v }, pubOther, "subscribe-refused"},
	{"other's uplink to an app", func(a, v, pk string) string { return "dev2app/" + v + "/usr1" }, pubOther, "subscribe-refused"},
	{"own downlink", func(a, v, pk string) string { return "app2dev/" + a + "/usr1" }, pubOther, "subscribe-accepted"},
	{"own downlinks #", func(a, v, pk string) string { return "app2dev/" + a + "/#" }, pubProtocol, "subscribe-accepted"},
	{"own downlinks +", func(a, v, pk string) string { return "app2dev/" + a + "/+" }, pubProtocol, "subscribe-accepted"},
	{"other's downlink", func(a, v, pk string) string { return "app2dev/" + v + "/usr1" }, pubOther, "subscribe-refused"},
	{"other's downlinks #", func(a, v, pk string) string { return "app2dev/" + v + "/#" }, pubProtocol, "subscribe-refused"},
	{"own ser2cli_res", func(a, v, pk string) string { return "ser2cli_res/" + a }, pubOther, "subscribe-accepted"},
	{"other's ser2cli_res", func(a, v, pk string) string { return "ser2cli_res/" + v }, pubOther, "subscribe-refused"},
	{"own product's ser2cli_noti", func(a, v, pk string) string { return "ser2cli_noti/" + pk }, pubOther, "subscribe-accepted"},
	{"other product's ser2cli_noti", func(a, v, pk string) string { return "ser2cli_noti/ffffffffffffffffffffffffffffffff" }, pubOther, "subscribe-refused"},
	{"cli2ser_req", func(a, v, pk string) string { return "cli2ser_req" }, pubOwn, "subscribe-refused"},
	{"$SYS topic", func(a, v, pk string) string { return "$SYS/broker/clients/connected" }, pubOther, "subscribe-refused"},
	{"$SYS tree", func(a, v, pk string) string { return "$SYS/#" }, pubProtocol, "subscribe-refused"},
	{"$share of other's downlinks", func(a, v, pk string) string { return "$share/g/app2dev/" + v + "/#" }, pubProtocol, "subscribe-refused"},
	{"$share of own downlinks", func(a, v, pk string) string { return "$share/g/app2dev/" + a + "/#" }, pubProtocol, "subscribe-refused"},
	{"$share of other's downlink", func(a, v, pk string) string { return "$share/g/app2dev/" + v + "/usr1" }, pubOther, "subscribe-refused"},
	{"#", func(a, v, pk string) string { return "#" }, pubProtocol, "subscribe-refused"},
	{"every device's downlinks", func(a, v, pk string) string { return "app2dev/#" }, pubProtocol, "subscribe-refused"},
	{"+ then other's did", func(a, v, pk string) string { return "+/" + v + "/#" }, pubProtocol, "subscribe-refused"},
	{"one app on every device", func(a, v, pk string) string { return "app2dev/+/usr1" }, pubProtocol, "subscribe-refused"},
	{"invalid filter", func(a, v, pk string) string { return "app2dev/#/x" }, pubProtocol, "subscribe-invalid"},
}

// An action is what the attacker does with a topic; expect is the reason
// id of the documented answer ("" for an accepted QoS 0 publish: no answer,
// session kept).
type action struct {
	name   string
	v5only bool
	will   bool // the attack is the CONNECT itself
	do     func(c *mqttConn, topic string, payload []byte, victim string)
	expect func(k topicKind) string
}

func byPublish(own, other string) func(k topicKind) string {
	return func(k topicKind) string {
		switch k.publish {
		case pubOwn:
			return own
		case pubOther:
			return other
		}
		return "publish-protocol"
	}
}

func always(id string) func(topicKind) string {
	return func(k topicKind) string {
		if k.publish == pubProtocol {
			return "publish-protocol" // the packet is broken before it is refused
		}
		return id
	}
}

var actions = []action{
	{name: "publish QoS 0", do: func(c *mqttConn, topic string, payload []byte, _ string) { c.publish(topic, 0, payload) },
		expect: byPublish("", "publish-refused-qos0")},
	{name: "publish QoS 1", do: func(c *mqttConn, topic string, payload []byte, _ string) { c.publish(topic, 1, payload) },
		expect: byPublish("publish-accepted-qos1", "publish-refused-qos1")},
	{name: "publish QoS 2", do: func(c *mqttConn, topic string, payload []byte, _ string) { c.publish(topic, 2, payload) },
		expect: byPublish("publish-accepted-qos2", "publish-refused-qos2")},
	{name: "subscribe", do: func(c *mqttConn, topic string, _ []byte, _ string) { c.subscribe(topic, 1) },
		expect: func(k topicKind) string { return k.subscribe }},
	{name: "will", will: true, expect: func(topicKind) string { return "connect-will" }},
	{name: "retained will QoS 1", will: true, expect: func(topicKind) string { return "connect-will" }},
	{name: "retain", do: func(c *mqttConn, topic string, payload []byte, _ string) {
		c.publish(topic, 0, payload, func(pk *packets.Packet) { pk.FixedHeader.Retain = true })
	}, expect: always("publish-retain")},
	{name: "retain QoS 1", do: func(c *mqttConn, topic string, payload []byte, _ string) {
		c.publish(topic, 1, payload, func(pk *packets.Packet) { pk.FixedHeader.Retain = true })
	}, expect: always("publish-retain")},
	{name: "topic alias", v5only: true, do: func(c *mqttConn, topic string, payload []byte, _ string) {
		c.publish(topic, 0, payload, func(pk *packets.Packet) {
			pk.Properties.TopicAlias, pk.Properties.TopicAliasFlag = 1, true
		})
	}, expect: always("publish-topic-alias")},
	{name: "response topic", v5only: true, do: func(c *mqttConn, topic string, payload []byte, victim string) {
		c.publish(topic, 1, payload, func(pk *packets.Packet) {
			pk.Properties.ResponseTopic = "app2dev/" + victim + "/usr1"
			pk.Properties.CorrelationData = []byte("steal")
			pk.Properties.User = []packets.UserProperty{{Key: "reply-to", Val: "app2dev/" + victim + "/usr1"}}
		})
	}, expect: byPublish("publish-accepted-qos1", "publish-refused-qos1")},
	{name: "subscription identifier", v5only: true, do: func(c *mqttConn, topic string, payload []byte, _ string) {
		c.publish(topic, 0, payload, func(pk *packets.Packet) { pk.Properties.SubscriptionIdentifier = []int{7} })
	}, expect: func(topicKind) string { return "publish-protocol" }},
}

// TestAuthorizationMatrix runs every topic kind against every action, over
// MQTT 3.1.1 and 5, with a hand-written client as the attacker: each case
// gets exactly the answer of the reasons table (docs/protocol-gizwits.md,
// "Authorization of every MQTT path"), the victim device, a paho client
// subscribed to all it may read, receives nothing from the attacker, and a
// subscription the attacker got sees none of the victim's traffic.
func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t)
	m := newMatrix(t, f)
	for _, version := range []byte{4, 5} {
		for _, k := range topicKinds {
			for _, a := range actions {
				if a.v5only && version < 5 {
					continue
				}
				name := fmt.Sprintf("v%d/%s/%s", version, k.name, a.name)
				t.Run(name, func(t *testing.T) { m.run(t, version, k, a) })
			}
		}
	}
	m.victimUnharmed(t)
}

type matrix struct {
	f *fixture
	// The attacker of each case is the next of attackers in turn: mochi
	// cleans up a closed session by client id a moment after the device
	// goes offline, and a new session of the same id in that moment can
	// lose its subscriptions (a takeover race of mochi's own).
	attackers []adminclient.Device
	turn      int
	attacker  string
	passcode  string
	victim    string
	got       chan paho.Message // what the victim receives
	victimC   paho.Client
	victimEv  <-chan core.DeviceEvent
	marks     int
	attack    []byte // the attack payload: a P0 write to the victim
}

func newMatrix(t *testing.T, f *fixture) *matrix {
	victim := f.register(t, "a0b1c2d3e4f6")
	m := &matrix{
		f:         f,
		attackers: []adminclient.Device{f.dev, f.register(t, "a0b1c2d3e4a1"), f.register(t, "a0b1c2d3e4a2"), f.register(t, "a0b1c2d3e4a3")},
		victim:    victim.DID,
		got:       make(chan paho.Message, 64),
		victimEv:  events(t, f.srv, core.SubjectData(victim.DID)),
		// Switch the lamp on: what an attacker would send to the victim.
		attack: p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x01, 0x01, 0x01, 0, 0, 0, 0, 0}}),
	}
	m.victimC = f.connect(t, victim, 4)
	for _, filter := range []string{"app2dev/" + victim.DID + "/#", "ser2cli_res/" + victim.DID, "ser2cli_noti/" + f.product.ProductKey} {
		if err := waitToken(m.victimC.Subscribe(filter, 1, func(_ paho.Client, msg paho.Message) { m.got <- msg })); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func (m *matrix) run(t *testing.T, version byte, k topicKind, a action) {
	d := m.attackers[m.turn%len(m.attackers)]
	m.turn++
	m.f.srv.WaitOnline(t, d.DID, false) // its previous session is over
	m.attacker, m.passcode = d.DID, d.Passcode
	topic := k.topic(m.attacker, m.victim, m.f.product.ProductKey)
	wantID := a.expect(k)
	want := mqttgw.Answer{} // an accepted QoS 0 publish: nothing, session kept
	if wantID != "" {
		want = mqttgw.Expect(wantID, version)
	}
	c := dialMQTT(t, m.f.srv.MQTTAddr, version)
	defer c.close()
	if a.will {
		pk := connectPacket(version, m.attacker, m.attacker, m.passcode)
		pk.Connect.WillFlag, pk.Connect.WillTopic, pk.Connect.WillPayload = true, topic, m.attack
		if a.name != "will" {
			pk.Connect.WillQos, pk.Connect.WillRetain = 1, true
		}
		c.send(pk)
		if err := c.expect(want); err != nil {
			t.Fatalf("%s: %v", wantID, err)
		}
		m.victimQuiet(t)
		return
	}
	m.login(t, c)
	payload := m.attack
	if k.publish == pubOwn {
		payload = report(60) // a report the gateway takes as the attacker's
	}
	a.do(c, topic, payload, m.victim)
	if err := c.expect(want); err != nil {
		t.Fatalf("%s: %v", wantID, err)
	}
	if a.name == "subscribe" && !want.Closed {
		m.noLeakTo(t, c)
	}
	m.victimQuiet(t)
}

// login connects the attacker and subscribes it to its own downlinks, where
// its markers arrive.
func (m *matrix) login(t *testing.T, c *mqttConn) {
	t.Helper()
	c.send(connectPacket(c.version, m.attacker, m.attacker, m.passcode))
	if err := c.expect(mqttgw.Answer{Packet: "CONNACK", Codes: []byte{0}}); err != nil {
		t.Fatalf("attacker login: %v", err)
	}
	c.subscribe("app2dev/"+m.attacker+"/#", 0)
	if err := c.expect(mqttgw.Answer{Packet: "SUBACK", Codes: []byte{0}}); err != nil {
		t.Fatalf("attacker subscription to its own downlinks: %v", err)
	}
}

// mark sends a marker downlink to a device through the core, as an app
// would; the device receives it after anything the server queued for it
// before.
func (m *matrix) mark(t *testing.T, did, clientID string) []byte {
	t.Helper()
	m.marks++
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x02, byte(m.marks >> 8), byte(m.marks)}})
	testserver.Eventually(t, 10*time.Second, func() error {
		return m.f.srv.Node().SendRaw(context.Background(), core.Target{DID: did, ClientID: clientID}, frame)
	})
	return frame
}

// victimQuiet checks the victim received nothing since the last check: a
// marker sent now must be the first thing it gets.
func (m *matrix) victimQuiet(t *testing.T) {
	t.Helper()
	frame := m.mark(t, m.victim, "mark")
	for {
		select {
		case msg := <-m.got:
			if msg.Topic() == "app2dev/"+m.victim+"/mark" && bytes.Equal(msg.Payload(), frame) {
				return
			}
			t.Errorf("the victim received %s % x", msg.Topic(), msg.Payload())
		case <-time.After(10 * time.Second):
			t.Fatal("the victim's marker did not arrive")
		}
	}
}

// noLeakTo makes the victim's traffic flow (a downlink from an app, a
// report, a cli2ser_req answered on ser2cli_res) and checks none of it
// reaches the attacker: the attacker's own marker, sent after, must be
// the next thing it gets.
func (m *matrix) noLeakTo(t *testing.T, c *mqttConn) {
	t.Helper()
	down := m.mark(t, m.victim, "usr1")
	if err := waitToken(m.victimC.Publish("dev2app/"+m.victim, 0, false, report(50))); err != nil {
		t.Fatal(err)
	}
	if err := waitToken(m.victimC.Publish("cli2ser_req", 0, false, []byte{0, 0, 0, 3, 0x02, 0x0F})); err != nil {
		t.Fatal(err)
	}
	for gotDown, gotReply := false, false; !gotDown || !gotReply; {
		select {
		case msg := <-m.got:
			switch {
			case msg.Topic() == "app2dev/"+m.victim+"/usr1" && bytes.Equal(msg.Payload(), down):
				gotDown = true
			case msg.Topic() == "ser2cli_res/"+m.victim:
				gotReply = true
			default:
				t.Errorf("the victim received %s % x", msg.Topic(), msg.Payload())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the victim's own traffic did not arrive")
		}
	}
	mine := m.mark(t, m.attacker, "mark")
	for {
		pk, err := c.read()
		if err != nil {
			t.Fatalf("attacker: waiting for its marker: %v", err)
		}
		if pk.FixedHeader.Type == packets.Publish && pk.TopicName == "app2dev/"+m.attacker+"/mark" && bytes.Equal(pk.Payload, mine) {
			return
		}
		t.Errorf("the attacker received %s %q % x", packetNames[pk.FixedHeader.Type], pk.TopicName, pk.Payload)
	}
}

// victimUnharmed: no attack report was taken as the victim's, and the
// victim's session is intact.
func (m *matrix) victimUnharmed(t *testing.T) {
	if err := waitToken(m.victimC.Publish("dev2app/"+m.victim, 0, false, report(99))); err != nil {
		t.Fatal(err)
	}
	for {
		ev := next(t, m.victimEv)
		if bytes.Equal(ev.Raw, report(60)) || bytes.Equal(ev.Raw, m.attack) {
			t.Errorf("an attacker's frame was taken as the victim's: % x", ev.Raw)
		}
		if bytes.Equal(ev.Raw, report(99)) {
			break
		}
	}
	if !m.victimC.IsConnectionOpen() {
		t.Error("the victim's session was closed")
	}
}
