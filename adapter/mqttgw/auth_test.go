package mqttgw_test

import (
	"context"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

func TestConnectGoodCredentialsEachProtocolVersion(t *testing.T) {
	f := newFixture(t)
	for _, v := range []uint{3, 4} { // MQTT 3.1 (GAgent) and 3.1.1
		c := f.connect(t, f.dev, v)
		f.srv.WaitOnline(t, f.dev.DID, true)
		c.Disconnect(0)
		f.srv.WaitOnline(t, f.dev.DID, false)
	}
}

func TestConnectRefusedWithConnackCode(t *testing.T) {
	f := newFixture(t)
	other := f.register(t, "a0b1c2d3e4f6")
	ctx := context.Background()
	disabled := f.register(t, "a0b1c2d3e4f7")
	if _, err := f.srv.Admin.SetDeviceDisabled(ctx, disabled.DID, true); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name               string
		clientID, user, pw string
	}{
		{"wrong passcode", f.dev.DID, f.dev.DID, "WRONGPASS1"},
		{"empty passcode", f.dev.DID, f.dev.DID, ""},
		{"unknown did", "AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA", "PASSCODEAB"},
		{"client id is not the username", other.DID, f.dev.DID, f.dev.Passcode},
		{"another device's passcode", f.dev.DID, f.dev.DID, other.Passcode},
		{"disabled device", disabled.DID, disabled.DID, disabled.Passcode},
		{"not a did", "hello", "hello", "PASSCODEAB"},
	}
	for _, tc := range cases {
		for _, v := range []uint{3, 4} {
			c := paho.NewClient(f.clientOpts(tc.clientID, tc.user, tc.pw, v))
			tok := c.Connect()
			err := waitToken(tok)
			if err == nil {
				c.Disconnect(0)
				t.Fatalf("%s (v%d): connected, want refusal", tc.name, v)
			}
			// mochi answers 0x05 "not authorized" to 3.1/3.1.1 clients.
			if code := tok.(*paho.ConnectToken).ReturnCode(); code != packets.ErrRefusedNotAuthorised {
				t.Errorf("%s (v%d): CONNACK code %d, want %d (not authorized)", tc.name, v, code, packets.ErrRefusedNotAuthorised)
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
