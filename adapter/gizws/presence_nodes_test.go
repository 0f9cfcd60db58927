package gizws_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// TestPresenceAcrossNodes: a device connected to one node asks how many
// apps watch it (cli2ser_req 0x020F) and the answer counts the WebSocket
// sessions on another node sharing the store and the bus, and stops
// counting one when it closes.
func TestPresenceAcrossNodes(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close(); _ = st.Close() }) // after both nodes stop
	shared := func(c *server.Config) { c.Store, c.Bus = st, b }
	fa := newFixture(t, shared)
	srvB := testserver.Start(t, shared)
	fb := &fixture{srv: srvB, appID: fa.appID, lampKey: fa.lampKey, lampSchema: fa.lampSchema,
		wsURL: "ws" + strings.TrimPrefix(srvB.HTTPURL, "http") + "/ws/app/v1"}
	fb.macs.Store(1 << 20) // users of its own

	dev := fa.lamp(t) // MQTT to node a
	if n := appCount(t, dev); n != 0 {
		t.Fatalf("app count %d, want 0", n)
	}
	countIs := func(want int, what string) {
		t.Helper()
		testserver.Eventually(t, waitFor, func() error {
			if n := appCount(t, dev); n != want {
				return fmt.Errorf("%s: app count %d, want %d", what, n, want)
			}
			return nil
		})
	}
	onB, _ := fb.session(t, "attrs_v4", dev)
	countIs(1, "an app on node b")
	fb.session(t, "custom", dev)
	fa.session(t, "attrs_v4", dev)
	countIs(3, "two apps on node b, one on node a")
	onB.close()
	countIs(2, "after node b's first app left")
}
