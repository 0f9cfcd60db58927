package mqttgw_test

import (
	"context"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
)

func TestConnectGoodCredentialsEachProtocolVersion(t *testing.T) {
	f := newFixture(t)
	for _, v := range []uint{3, 4} { // MQTT 3.1 (GAgent) and 3.1.1
		c := f.connect(t, f.dev, v)
		f.srv.WaitOnline(t, f.dev.DID, true)
		c.Disconnect(0)
		f.srv.WaitOnline(t, f.dev.DID, false)
	}
	// MQTT 5: CONNACK 0x00, and it says what the broker does not offer.
	c := dialMQTT(t, f.srv.MQTTAddr, 5)
	c.send(connectPacket(5, f.dev.DID, f.dev.DID, f.dev.Passcode))
	pk, err := c.read()
	if err != nil || pk.FixedHeader.Type != packets.Connack || pk.ReasonCode != 0 {
		t.Fatalf("MQTT 5 CONNACK = %+v, %v", pk, err)
	}
	p := pk.Properties
	if !p.RetainAvailableFlag || p.RetainAvailable != 0 || !p.SharedSubAvailableFlag || p.SharedSubAvailable != 0 || p.TopicAliasMaximum != 0 {
		t.Errorf("CONNACK properties: retain available %v/%d, shared subscriptions %v/%d, topic alias maximum %d; want 0, 0, 0",
			p.RetainAvailableFlag, p.RetainAvailable, p.SharedSubAvailableFlag, p.SharedSubAvailable, p.TopicAliasMaximum)
	}
}

// Every credential refusal, over paho (MQTT 3.1 and 3.1.1, as GAgent
// connects) and by hand (3.1, 3.1.1, 5), gets the code of the reasons
// table (docs/protocol-gizwits.md), and the server goes on serving.
func TestConnectRefusedWithDocumentedCode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := f.register(t, "a0b1c2d3e4f6")
	disabled := f.register(t, "a0b1c2d3e4f7")
	if _, err := f.srv.Admin.SetDeviceDisabled(ctx, disabled.DID, true); err != nil {
		t.Fatal(err)
	}
	deleted := f.register(t, "a0b1c2d3e4f8")
	if err := f.srv.Admin.DeleteDevice(ctx, deleted.DID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name               string
		clientID, user, pw string
		reason             string
	}{
		{"wrong passcode", f.dev.DID, f.dev.DID, "WRONGPASS1", "connect-bad-credentials"},
		{"empty passcode, no password flag", f.dev.DID, f.dev.DID, "", "connect-bad-credentials"},
		{"no credentials", f.dev.DID, "", "", "connect-bad-credentials"},
		{"unknown did", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA", "PASSCODEAB", "connect-bad-credentials"},
		{"deleted device", deleted.DID, deleted.DID, deleted.Passcode, "connect-bad-credentials"},
		{"another device's passcode", f.dev.DID, f.dev.DID, other.Passcode, "connect-bad-credentials"},
		{"not a did", "hello", "hello", "PASSCODEAB", "connect-bad-credentials"},
		{"client id is not the username", other.DID, f.dev.DID, f.dev.Passcode, "connect-client-id"},
		{"empty client id", "", f.dev.DID, f.dev.Passcode, "connect-client-id"},
		{"disabled device", disabled.DID, disabled.DID, disabled.Passcode, "connect-disabled"},
		{"disabled device, wrong passcode", disabled.DID, disabled.DID, "WRONGPASS1", "connect-bad-credentials"},
	}
	for _, tc := range cases {
		for _, v := range []uint{3, 4} {
			c := paho.NewClient(f.clientOpts(tc.clientID, tc.user, tc.pw, v))
			tok := c.Connect()
			if err := waitToken(tok); err == nil {
				c.Disconnect(0)
				t.Fatalf("paho %s (v%d): connected, want refusal", tc.name, v)
			}
			want := mqttgw.Expect(tc.reason, byte(v)).Codes[0]
			if code := tok.(*paho.ConnectToken).ReturnCode(); code != want {
				t.Errorf("paho %s (v%d): CONNACK code %#x, want %#x", tc.name, v, code, want)
			}
		}
	}
	for _, tc := range cases {
		for _, v := range []byte{3, 4, 5} {
			c := dialMQTT(t, f.srv.MQTTAddr, v)
			c.send(connectPacket(v, tc.clientID, tc.user, tc.pw))
			if err := c.expect(mqttgw.Expect(tc.reason, v)); err != nil {
				t.Errorf("%s (v%d): %v", tc.name, v, err)
			}
		}
	}
	// The refusals leave the server serving: the right credentials work.
	f.connect(t, f.dev, 3)
	f.srv.WaitOnline(t, f.dev.DID, true)
	if !f.srv.Log.Contains("device refused", f.dev.DID) {
		t.Error("refusals are not logged")
	}
}

// A password field that is present but empty is valid MQTT; mochi alone
// answered it with 0x82, a code MQTT 3.1.1 does not have. It is a wrong
// passcode like any other.
func TestConnectEmptyPasswordWithFlag(t *testing.T) {
	f := newFixture(t)
	for _, v := range []byte{3, 4, 5} {
		pk := connectPacket(v, f.dev.DID, f.dev.DID, "")
		pk.Connect.PasswordFlag = true
		c := dialMQTT(t, f.srv.MQTTAddr, v)
		c.send(pk)
		if err := c.expect(mqttgw.Expect("connect-bad-credentials", v)); err != nil {
			t.Errorf("v%d: %v", v, err)
		}
	}
}

// CONNECTs that break the protocol: 3.1.1 closes without a CONNACK
// [MQTT-3.1.4-1] (mochi would answer with MQTT 5 codes), an unsupported
// level gets 0x01 [MQTT-3.1.2-2], MQTT 5 gets mochi's reason code.
func TestConnectMalformed(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name    string
		name3   string
		version byte
		edit    func(*packets.Packet)
		reason  string
	}{
		{"MQTT level 6", "MQTT", 6, nil, "connect-protocol-level"},
		{"MQTT level 3", "MQTT", 3, nil, "connect-protocol-level"},
		{"MQIsdp level 4", "MQIsdp", 4, nil, "connect-protocol-level"},
		{"will retain without a will (3.1.1)", "MQTT", 4, func(pk *packets.Packet) { pk.Connect.WillRetain = true }, "connect-malformed"},
		{"will retain without a will (3.1)", "MQIsdp", 3, func(pk *packets.Packet) { pk.Connect.WillRetain = true }, "connect-malformed"},
		{"will retain without a will (5)", "MQTT", 5, func(pk *packets.Packet) { pk.Connect.WillRetain = true }, "connect-malformed"},
		{"will without a payload (3.1.1)", "MQTT", 4, func(pk *packets.Packet) {
			pk.Connect.WillFlag, pk.Connect.WillTopic = true, "dev2app/"+f.dev.DID
		}, "connect-malformed"},
	} {
		pk := connectPacket(tc.version, f.dev.DID, f.dev.DID, f.dev.Passcode)
		pk.Connect.ProtocolName = []byte(tc.name3)
		if tc.edit != nil {
			tc.edit(&pk)
		}
		c := dialMQTT(t, f.srv.MQTTAddr, tc.version)
		c.send(pk)
		v := tc.version
		if tc.reason == "connect-protocol-level" {
			v = 4 // answered in the 3.1.1 format, the one every level reads
		}
		if err := c.expect(mqttgw.Expect(tc.reason, v)); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	f.connect(t, f.dev, 4)
}
