package gizerr_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
)

// Every listed code has a message and a status, and All is sorted, so
// GET /errors is complete and stable.
func TestAllCodesDescribed(t *testing.T) {
	all := gizerr.All()
	if len(all) == 0 {
		t.Fatal("no codes")
	}
	for i, c := range all {
		if c.Message() == "" {
			t.Errorf("%d has no message", c)
		}
		if s := c.Status(); s < 400 || s > 599 {
			t.Errorf("%d has status %d", c, s)
		}
		if i > 0 && all[i-1] >= c {
			t.Errorf("All not sorted at %d", i)
		}
	}
}

func TestWriteBody(t *testing.T) {
	rec := httptest.NewRecorder()
	gizerr.Write(rec, gizerr.DeviceNotBound, "did x")
	if rec.Code != 401 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var b map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatal(err)
	}
	if b["error_code"] != float64(9017) || b["error_message"] != "device not bound" || b["detail_message"] != "did x" {
		t.Fatalf("body %v", b)
	}
}
