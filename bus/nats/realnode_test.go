package nats_test

import (
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// TestNodeOverNATS runs a real node on the NATS bus, with a simulated
// device, and watches from a second connection as another node would: the
// device's online event crosses NATS, and a write goes out over NATS as a
// downlink to the node holding the device and comes back as a report.
func TestNodeOverNATS(t *testing.T) {
	nats := natstest.Start(t)
	nodeBus := connect(t, nats.URL(), "node")
	srv := testserver.Start(t, func(c *server.Config) { c.Bus = nodeBus })
	var seen inbox
	subscribe(t, connect(t, nats.URL(), "other node"), "sb.dev.>", seen.handle)

	p, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e0f")
	srv.WaitOnline(t, dev.DID(), true)
	prefix := "sb.dev." + dev.DID() + "."
	seenWith := func(subject string, parts ...string) bool {
		for _, m := range seen.all() {
			if strings.HasPrefix(m, subject+" ") && containsAll(m, parts...) {
				return true
			}
		}
		return false
	}
	eventually(t, "the online event on NATS", func() bool { return seenWith(prefix+"status", `"online"`) })

	target := core.Target{DID: dev.DID(), ClientID: "usr1"}
	if err := srv.Node().WriteAttrs(t.Context(), target, map[string]any{"LED_Color": "pink"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the downlink on NATS", func() bool { return seenWith(prefix + "down") })
	eventually(t, "the device's report on NATS", func() bool { return seenWith(prefix+"data", `"LED_Color":"pink"`) })
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
