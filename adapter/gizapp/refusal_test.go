package gizapp_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestControlRefusalsAreClean: a malformed /app/control value gets 9025
// with detail_message naming the datapoint and what it takes, never an
// internal error chain; the device receives nothing; the reply's
// X-Request-Id finds the whole error in the log.
func TestControlRefusalsAreClean(t *testing.T) {
	e := start(t)
	dev, tok := e.onlineDevice(1)
	path := "/app/control/" + dev.DID()
	cases := []struct {
		name, field string
		value       any
		detail      string
	}{
		{"uint not a step", "LED_R", 3.5, "LED_R must be a number from 0 to 254 in steps of 1"},
		{"uint out of range", "LED_R", 999, "LED_R must be a number from 0 to 254 in steps of 1"},
		{"bool as 1", "LED_OnOff", 1, "LED_OnOff must be true or false"},
		{"bool as 0", "LED_OnOff", 0, "LED_OnOff must be true or false"},
		{"bool as string", "LED_OnOff", "true", "LED_OnOff must be true or false"},
		{"enum unknown label", "LED_Color", "blue", "LED_Color must be one of its labels or an index from 0 to 3"},
		{"enum bool", "LED_Color", true, "LED_Color must be one of its labels or an index from 0 to 3"},
		{"read-only", "Temperature", 20, "Temperature is not writable"},
		{"unknown", "Nope", 1, "Nope is not a datapoint of this product"},
	}
	for _, tc := range cases {
		r := e.do("POST", path, e.userHdr(tok), map[string]any{"attrs": map[string]any{tc.field: tc.value}})
		wantErr(t, r, 400, 9025)
		m := r.obj(t)
		detail, _ := m["detail_message"].(string)
		if m["error_message"] != "attr invalid" || detail != tc.detail {
			t.Errorf("%s: %s, want detail %q", tc.name, r.body, tc.detail)
		}
		testserver.CheckClientText(t, detail, tc.field)
		if id := r.header.Get("X-Request-Id"); len(id) != 16 {
			t.Errorf("%s: X-Request-Id %q", tc.name, id)
		}
	}

	// A client's own sane request id comes back and names the log line
	// that holds the cause.
	r := e.do("POST", path, hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-User-token": tok, "X-Request-Id": "trace-42"},
		map[string]any{"attrs": map[string]any{"LED_R": 3.5}})
	wantErr(t, r, 400, 9025)
	if id := r.header.Get("X-Request-Id"); id != "trace-42" {
		t.Errorf("X-Request-Id %q, want the client's", id)
	}
	eventually(t, func() error {
		if !e.srv.Log.Contains("control refused", "request=trace-42", "code=9025", `field \"LED_R\": value out of range`) {
			return errors.New("no log line with the request id and the cause")
		}
		return nil
	})
	// An id that could forge a log line or is too long is replaced.
	for _, bad := range []string{"a b", strings.Repeat("x", 65), `x"y`} {
		r := e.do("GET", "/app/users", hdr{"X-Gizwits-Application-Id": e.app.AppID, "X-Gizwits-User-token": tok, "X-Request-Id": bad}, nil)
		if id := r.header.Get("X-Request-Id"); id == bad || len(id) != 16 {
			t.Errorf("request id %q answered with %q", bad, id)
		}
	}

	// Nothing reached the device: the good write after the bad ones is
	// its first and only write.
	wantOK(t, e.do("POST", path, e.userHdr(tok), map[string]any{"attrs": map[string]any{"LED_R": 4}}), http.StatusOK)
	waitValue(t, dev, "LED_R", float64(4))
	if w := dev.Stats().Writes; w != 1 {
		t.Errorf("device got %d writes, want only the good one", w)
	}
}
