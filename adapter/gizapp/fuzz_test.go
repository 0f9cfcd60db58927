package gizapp_test

import (
	"encoding/json"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// The body parsers take any bytes a client sends. They must never panic,
// and what they accept must satisfy the invariants the handlers rely on.
// Seeds live in testdata/fuzz/<target>/ besides the f.Add ones.

func FuzzParseControl(f *testing.F) {
	for _, s := range []string{
		`{"attrs":{"LED_OnOff":true,"LED_R":12.5,"Label":"00ff"}}`,
		`{"raw":[0,0,0,3,4,0,0,144,2]}`,
		`{"raw":"0000000304000090 02"}`,
		`{"raw":"AAAAAwQAAJAC","binary_coding":"base64"}`,
		`{"attrs":{"a":1},"raw":[1],"binary_coding":"HEX16"}`,
		`{"raw":[256]}`, `{"raw":null,"attrs":null}`, `{}`, `null`, `[]`, ``, `{"attrs":{}} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := gizapp.ParseControl(body)
		if err != nil {
			// The text goes to the client as detail_message.
			testserver.CheckClientText(t, err.Error(), "")
			return
		}
		if len(c.Attrs) == 0 && len(c.Raw) == 0 {
			t.Fatalf("accepted %q with nothing to send", body)
		}
		if len(c.Raw) > 16<<10 {
			t.Fatalf("accepted a raw frame of %d bytes", len(c.Raw))
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
	})
}

func FuzzParseBindings(f *testing.F) {
	for _, s := range []string{
		`{"devices":[{"did":"abc","passcode":"XYZ","remark":"r","dev_alias":"a"}]}`,
		`{"devices":[{"did":""}]}`, `{"devices":[]}`, `{"devices":{}}`, `{"devices":[null]}`,
		`{"remark":"x","dev_label":["a","b"]}`, `{"dev_label":"one"}`, `{"dev_label":null}`, `{"dev_label":[1]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if dids, err := gizapp.ParseDevices(body); err == nil {
			if len(dids) == 0 || len(dids) > 100 {
				t.Fatalf("accepted %d devices", len(dids))
			}
			for _, d := range dids {
				if d == "" {
					t.Fatalf("accepted an empty did from %q", body)
				}
			}
		}
		if remark, alias, labels, err := gizapp.ParseBindingUpdate(body); err == nil {
			if remark == nil && alias == nil && labels == nil {
				t.Fatalf("accepted %q with nothing to change", body)
			}
			// Labels survive the store's text column unchanged.
			if labels != nil {
				back := gizapp.DecodeLabels(gizapp.EncodeLabels(labels))
				if len(back) != len(labels) {
					t.Fatalf("labels %q came back as %q", labels, back)
				}
				for i := range back {
					if back[i] != labels[i] {
						t.Fatalf("labels %q came back as %q", labels, back)
					}
				}
			}
		}
		_ = gizapp.ParseUserUpdateErr(body)
	})
}
