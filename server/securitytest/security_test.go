package securitytest_test

import (
	"context"
	"testing"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestAuthorizationMatrix runs every row of every surface against one
// node, then shows that the victim's devices received nothing and that
// the observation would have seen a frame: the owner's own write arrives.
func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	t.Run("http", func(t *testing.T) { testHTTP(t, w) })
	w.victimQuiet(t, "the HTTP matrix")
	t.Run("ws", func(t *testing.T) { testWS(t, w) })
	w.victimQuiet(t, "the /ws/app/v1 matrix")
	t.Run("intents", func(t *testing.T) { testIntents(t, w) })
	w.victimQuiet(t, "the intent matrix")
	t.Run("relay", func(t *testing.T) { testRelay(t, w) })
	w.victimQuiet(t, "the relay matrix")
	t.Logf("matrix: %s", &w.tally)
	logHasNoCredentials(t, w)

	// The victim still owns its devices, and its own write reaches the lamp.
	ctx := context.Background()
	for _, d := range []*device{w.victimLamp, w.victimFan} {
		if _, err := w.srv.Node().Binding(ctx, w.a1.uid, d.did); err != nil {
			t.Errorf("the victim lost its binding to %s: %v", d.did, err)
		}
	}
	if err := w.srv.Node().WriteAttrs(ctx, core.Target{DID: w.victimLamp.did, ClientID: "usrvictim"}, map[string]any{"LED_OnOff": true}); err != nil {
		t.Fatalf("the owner's write: %v", err)
	}
	testserver.Eventually(t, wait, func() error {
		if w.victimLamp.got.Load() == 0 {
			return errNothingYet
		}
		return nil
	})
}
