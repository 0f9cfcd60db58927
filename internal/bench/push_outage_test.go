package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestPushOutage: with --receiver-down the push scenario's partner refuses
// pushes for the start of the load, every push still arrives, and the notes
// tell the backlog and its drain.
func TestPushOutage(t *testing.T) {
	srv := testserver.Start(t)
	c := Config{
		Scenario: "push", Devices: 4, Duration: 1200 * time.Millisecond, Rate: 100,
		ReceiverDown: 500 * time.Millisecond, PerAddr: 2,
		Spawn: SpawnNone, HTTPURL: srv.HTTPURL, MQTTAddr: srv.MQTTAddr, AdminToken: srv.AdminToken,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Received != r.Expected || r.Errors != 0 {
		t.Fatalf("received %d of %d, errors %d; notes %q", r.Received, r.Expected, r.Errors, r.Notes)
	}
	var note string
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "receiver down") {
			note = n
		}
	}
	t.Log(note)
	if !strings.Contains(note, "as many received") || strings.Contains(note, " 0 attempts refused") {
		t.Fatalf("outage note %q", note)
	}
}
