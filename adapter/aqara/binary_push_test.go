package aqara_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// A binary datapoint reaches the partner as lower-case hex. It was once
// dropped from the push without a word: core handed followers the changed
// value as json.Marshal's base64 while the renderer read byte arrays, so
// the partner got a resource_report with no data.
func TestBinaryResourceIsPushed(t *testing.T) {
	w := newPartnerWorldWith(t, "demo-fan-varlen.json", "a0b1c2d3e4f6")
	ctx := context.Background()
	c := w.as(w.login(t).AccessToken)
	subj := map[string]any{"subjectId": w.dev.DID(), "resourceIds": []string{"Label"}}
	if err := c.Call(ctx, "config.resource.subscribe", map[string]any{"resources": []any{subj}}, nil); err != nil {
		t.Fatal(err)
	}
	const label = "0a0b0c0d0e0f1011"
	write := []any{map[string]any{"subjectId": w.dev.DID(), "resources": []any{
		map[string]string{"resourceId": "Label", "value": label},
	}}}
	if err := c.Call(ctx, "write.resource.device", write, nil); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 10*time.Second, func() error {
		got := w.pushes.find(func(m map[string]any) bool {
			if m["msgType"] != "resource_report" {
				return false
			}
			for _, it := range m["data"].([]any) {
				item := it.(map[string]any)
				if item["resourceId"] == "Label" && item["value"] == label {
					return true
				}
			}
			return false
		})
		if len(got) == 0 {
			return errors.New("no resource_report with Label " + label + " yet")
		}
		return nil
	})
	for _, m := range w.pushes.find(func(m map[string]any) bool { return m["msgType"] == "resource_report" }) {
		if len(m["data"].([]any)) == 0 {
			t.Fatalf("a resource_report with no data was pushed: %v", m)
		}
	}
}
