package mqttgw

import (
	"testing"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Wills are refused at CONNECT (TestAuthorizationMatrix); OnWill is the
// second line should a session ever hold one: the will it returns matches
// no filter a device may hold, nor the non-shared wildcards (which do not
// match $ topics); shared filters are refused to devices.
func TestDroppedWillMatchesNoSubscription(t *testing.T) {
	const did, pk = "a0b1c2d3e4f5a0b1c2d3e4", "ba0d2fcdee67bcf116db7f934d5a2b5d"
	will := dropWill(mqtt.Will{TopicName: "app2dev/" + did + "/usr1", Payload: []byte{1}, Qos: 1, Retain: true, Flag: 1})
	if will.Retain || will.Qos != 0 || len(will.Payload) != 0 {
		t.Errorf("dropped will keeps retain %v, QoS %d or %d payload bytes", will.Retain, will.Qos, len(will.Payload))
	}
	idx := mqtt.NewTopicsIndex()
	filters := []string{
		"app2dev/" + did + "/#", "app2dev/" + did + "/+", "ser2cli_res/" + did, "ser2cli_noti/" + pk,
		"#", "+", "+/#", "+/+",
	}
	for i, f := range filters {
		idx.Subscribe("client"+string(rune('a'+i)), packets.Subscription{Filter: f})
	}
	if subs := idx.Subscribers(will.TopicName); len(subs.Subscriptions)+len(subs.Shared) > 0 {
		t.Errorf("the dropped will's topic %q matches %v %v", will.TopicName, subs.Subscriptions, subs.Shared)
	}
	if maySubscribe(did, pk, will.TopicName) || maySubscribe(did, pk, "$switchboard/#") {
		t.Error("a device may subscribe to the dropped will's topic")
	}
}
