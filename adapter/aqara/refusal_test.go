package aqara_test

import (
	"context"
	"errors"
	"testing"
	"time"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestWriteRefusalsAreClean: write.resource.device takes exactly the
// Aqara value forms (bool "0"/"1", decimal numbers that are a step of the
// datapoint, enum index or label, hex); anything else is 1004 with
// msgDetails naming the resource and what it takes, never an internal
// error chain, and the device receives nothing.
func TestWriteRefusalsAreClean(t *testing.T) {
	w := newPartnerWorld(t)
	ctx := context.Background()
	c := w.as(w.login(t).AccessToken)
	write := func(res, value string) error {
		return c.Call(ctx, "write.resource.device", []any{map[string]any{"subjectId": w.dev.DID(),
			"resources": []any{map[string]string{"resourceId": res, "value": value}}}}, nil)
	}
	cases := []struct{ res, value, details string }{
		{"LED_OnOff", "true", `LED_OnOff must be "0" or "1"`},
		{"LED_OnOff", " 1", `LED_OnOff must be "0" or "1"`},
		{"LED_OnOff", "2", `LED_OnOff must be "0" or "1"`},
		{"LED_R", "3.5", "LED_R must be a number from 0 to 254 in steps of 1"},
		{"LED_R", "999", "LED_R must be a number from 0 to 254 in steps of 1"},
		{"LED_R", "1e2", "LED_R must be a decimal number"},
		{"LED_R", "0x10", "LED_R must be a decimal number"},
		{"LED_R", "NaN", "LED_R must be a decimal number"},
		{"Motor_Speed", "-2.5", "Motor_Speed must be a number from -5 to 5 in steps of 1"},
		{"LED_Color", "7", "LED_Color must be one of its labels or an index from 0 to 3"},
		{"LED_Color", "red", "LED_Color must be one of its labels or an index from 0 to 3"},
	}
	for _, tc := range cases {
		err := write(tc.res, tc.value)
		var e *aqc.Error
		if !errors.As(err, &e) || e.Code != 1004 || e.MsgDetails == nil {
			t.Errorf("%s=%q: %v, want code 1004 with msgDetails", tc.res, tc.value, err)
			continue
		}
		testserver.CheckClientText(t, *e.MsgDetails, tc.res)
		if *e.MsgDetails != tc.details {
			t.Errorf("%s=%q: msgDetails %q, want %q", tc.res, tc.value, *e.MsgDetails, tc.details)
		}
	}
	// Nothing reached the device: the good write after the bad ones is
	// its only write.
	if err := write("LED_R", "4"); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 5*time.Second, func() error {
		if w.dev.Values()["LED_R"] != 4.0 {
			return errors.New("good write not applied yet")
		}
		return nil
	})
	if n := w.dev.Stats().Writes; n != 1 {
		t.Errorf("device got %d writes, want only the good one", n)
	}
}
