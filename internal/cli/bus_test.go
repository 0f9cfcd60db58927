package cli

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/switchboard-iot/switchboard/bus/nats/natstest"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// nodeConns is the connections switchboard nodes hold to srv (named
// "switchboard <host>" by bus/busopen) with their subscriptions.
func nodeConns(t *testing.T, srv *natstest.Server) [][]string {
	t.Helper()
	cz, err := srv.Server().Connz(&server.ConnzOptions{Subscriptions: true})
	if err != nil {
		t.Fatal(err)
	}
	var subs [][]string
	for _, c := range cz.Conns {
		if strings.HasPrefix(c.Name, "switchboard ") {
			subs = append(subs, c.Subs)
		}
	}
	return subs
}

// TestServeBusNATS: --bus nats://… (or SWITCHBOARD_BUS) makes serve's node
// use the NATS server: the down subjects of the devices connected to it
// (the demo's simulated devices) show up there while it runs, never a
// wildcard over every device, and its connection is gone after shutdown.
func TestServeBusNATS(t *testing.T) {
	for _, how := range []string{"flag", "env"} {
		t.Run(how, func(t *testing.T) {
			srv := natstest.Start(t)
			args := []string{"--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--log-level", "warn", "--demo"}
			if how == "flag" {
				args = append(args, "--bus", srv.URL())
			} else {
				t.Setenv(EnvName("bus"), srv.URL())
			}
			out, stop := runServe(t, args...)
			testserver.Eventually(t, 30*time.Second, func() error {
				if !strings.Contains(out.String(), "Switchboard demo") {
					return errors.New("the demo is not up yet")
				}
				conns := nodeConns(t, srv)
				if len(conns) != 1 {
					return fmt.Errorf("node connections and their subscriptions: %v", conns)
				}
				down := 0
				for _, sub := range conns[0] {
					if strings.Contains(sub, "*") || strings.Contains(sub, ">") {
						t.Fatalf("the node subscribes to a wildcard: %q", sub)
					}
					if strings.HasPrefix(sub, "sb.dev.") && strings.HasSuffix(sub, ".down") {
						down++
					}
				}
				if down < 3 {
					return fmt.Errorf("down subjects of the demo's 3 devices not all subscribed: %v", conns[0])
				}
				return nil
			})
			if rc := stop(); rc != 0 {
				t.Fatalf("serve exited %d", rc)
			}
			// The server notices the closed socket a moment later.
			testserver.Eventually(t, 15*time.Second, func() error {
				if conns := nodeConns(t, srv); len(conns) != 0 {
					return fmt.Errorf("node still connected to NATS after shutdown: %v", conns)
				}
				return nil
			})
		})
	}
}

// TestServeBusBad: a malformed --bus is a usage error (2) naming the flag,
// an unreachable NATS server a start failure (1); neither shows a password.
func TestServeBusBad(t *testing.T) {
	srv := natstest.Start(t)
	stopped := strings.Replace(srv.URL(), "nats://", "nats://u:s3cret@", 1)
	srv.Shutdown()
	for _, c := range []struct {
		bus  string
		code int
	}{{"redis://u:s3cret@h:6379", 2}, {"localhost:4222", 2}, {stopped, 1}} {
		var out, errs syncBuffer
		rc := Main([]string{"serve", "--data-dir", t.TempDir(), "--bus", c.bus}, &out, &errs)
		if rc != c.code || !strings.Contains(errs.String(), "--bus") {
			t.Errorf("--bus %s: exit %d, stderr %q; want exit %d naming --bus", c.bus, rc, errs.String(), c.code)
		}
		if strings.Contains(errs.String(), "s3cret") {
			t.Errorf("--bus %s: stderr shows the password: %q", c.bus, errs.String())
		}
	}
}
