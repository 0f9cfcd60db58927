package gizapp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// onlineDevice starts a simulated lamp bound to a new user; it returns the
// device and the user's token.
func (e *env) onlineDevice(n int) (*devsim.Device, string) {
	e.t.Helper()
	dev := e.srv.StartDevice(e.t, e.product.ProductKey, e.schema, mac(n))
	e.srv.WaitOnline(e.t, dev.DID(), true)
	_, tok := e.anonUser(fmt.Sprintf("owner-of-%d", n))
	e.bind(tok, dev.DID(), dev.Passcode())
	return dev, tok
}

// waitValue polls the device until datapoint name has the value want.
func waitValue(t *testing.T, dev *devsim.Device, name string, want any) {
	t.Helper()
	eventually(t, func() error {
		if got := dev.Values()[name]; !reflect.DeepEqual(got, want) {
			return fmt.Errorf("%s = %#v, want %#v", name, got, want)
		}
		return nil
	})
}

func TestControlReachesDevice(t *testing.T) {
	e := start(t)
	dev, tok := e.onlineDevice(1)
	r := e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"attrs": map[string]any{"LED_R": 123, "LED_Color": "pink", "LED_OnOff": true}})
	wantOK(t, r, http.StatusOK)
	if string(r.body) != "{}\n" {
		t.Fatalf("control reply %q", r.body)
	}
	waitValue(t, dev, "LED_R", float64(123))
	waitValue(t, dev, "LED_Color", "pink")
	waitValue(t, dev, "LED_OnOff", true)
	// Shown values below zero (addition -5) are accepted; bools as
	// numbers are not (refusal_test.go).
	wantOK(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"attrs": map[string]any{"Motor_Speed": -2, "LED_OnOff": false}}), http.StatusOK)
	waitValue(t, dev, "Motor_Speed", float64(-2))
	waitValue(t, dev, "LED_OnOff", false)

	// A raw P0 frame carrying a write.
	msg := e.schema.NewMessage(datapoint.ActionWrite)
	if err := e.schema.Set(msg, "LED_R", 7); err != nil {
		t.Fatal(err)
	}
	payload, err := e.schema.Append(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: payload})
	ints := make([]int, len(frame))
	for i, b := range frame {
		ints[i] = int(b)
	}
	wantOK(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"raw": ints}), http.StatusOK)
	waitValue(t, dev, "LED_R", float64(7))
	// The same frame as a hex string (binary_coding) works too.
	if err := e.schema.Set(msg, "LED_R", 9); err != nil {
		t.Fatal(err)
	}
	payload, _ = e.schema.Append(nil, msg)
	frame = p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: payload})
	wantOK(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"raw": fmt.Sprintf("%x", frame), "binary_coding": "hex"}), http.StatusOK)
	waitValue(t, dev, "LED_R", float64(9))
}

func TestControlBinaryDatapoint(t *testing.T) {
	e := start(t)
	p, schema := e.srv.CreateProduct(t, "demo-fan-varlen.json")
	dev := e.srv.StartDevice(t, p.ProductKey, schema, mac(9))
	e.srv.WaitOnline(t, dev.DID(), true)
	_, tok := e.anonUser("fan-owner")
	e.bind(tok, dev.DID(), dev.Passcode())

	// Hex, shorter than the field: zero-padded (notes §3.4).
	wantOK(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"attrs": map[string]any{"Label": "48656c6c6f"}}), http.StatusOK)
	waitValue(t, dev, "Label", []byte("Hello\x00\x00\x00"))
	wantOK(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{
		"attrs": map[string]any{"Label": base64.StdEncoding.EncodeToString([]byte("Switch")), "Speed": 40}, "binary_coding": "base64"}), http.StatusOK)
	waitValue(t, dev, "Label", []byte("Switch\x00\x00"))
	waitValue(t, dev, "Speed", float64(40))

	// The latest state shows the binary as hex, the form control takes.
	eventually(t, func() error {
		m := e.do("GET", "/app/devdata/"+dev.DID()+"/latest", e.userHdr(tok), nil).obj(t)
		attr, _ := m["attr"].(map[string]any)
		if attr["Label"] != "5377697463680000" {
			return fmt.Errorf("latest %v", m)
		}
		return nil
	})
	wantErr(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"attrs": map[string]any{"Label": "zz"}}), 400, 9025)
	wantErr(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"attrs": map[string]any{"Label": strings.Repeat("00", 9)}}), 400, 9025)
	wantErr(t, e.do("POST", "/app/control/"+dev.DID(), e.userHdr(tok), map[string]any{"attrs": map[string]any{"Label": "!!"}, "binary_coding": "base64"}), 400, 9025)
}

func TestControlErrors(t *testing.T) {
	e := start(t)
	dev, tok := e.onlineDevice(1)
	path := "/app/control/" + dev.DID()
	for name, body := range map[string]any{
		"out of range": map[string]any{"attrs": map[string]any{"LED_R": 999}},
		"unknown attr": map[string]any{"attrs": map[string]any{"Nope": 1}},
		"read-only":    map[string]any{"attrs": map[string]any{"Temperature": 20}},
		"wrong type":   map[string]any{"attrs": map[string]any{"LED_Color": true}},
		"bad label":    map[string]any{"attrs": map[string]any{"LED_Color": "blue"}},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, e.do("POST", path, e.userHdr(tok), body), 400, 9025) })
	}
	for name, body := range map[string]any{
		"nothing":         map[string]any{},
		"empty attrs":     map[string]any{"attrs": map[string]any{}},
		"raw not bytes":   map[string]any{"raw": []int{1, 300}},
		"raw not a frame": map[string]any{"raw": []int{1, 2, 3}},
		"raw bad hex":     map[string]any{"raw": "0g"},
		"raw object":      map[string]any{"raw": map[string]any{}},
		"raw wrong cmd":   map[string]any{"raw": []int{0, 0, 0, 3, 3, 0, 0, 0x91}},
		"bad coding":      map[string]any{"attrs": map[string]any{"LED_R": 1}, "binary_coding": "rot13"},
		"not JSON":        "attrs",
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, e.do("POST", path, e.userHdr(tok), body), 400, 9015) })
	}

	// Offline: the command cannot be delivered.
	dev.Stop()
	e.srv.WaitOnline(t, dev.DID(), false)
	wantErr(t, e.do("POST", path, e.userHdr(tok), map[string]any{"attrs": map[string]any{"LED_R": 1}}), 400, 9042)
	// Disabled: refused as such.
	if _, err := e.srv.Admin.SetDeviceDisabled(t.Context(), dev.DID(), true); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do("POST", path, e.userHdr(tok), map[string]any{"attrs": map[string]any{"LED_R": 1}}), 400, 9023)
}

func TestLatest(t *testing.T) {
	e := start(t)
	_, tok := e.anonUser("p1")
	did, pc := e.register(mac(1))
	e.bind(tok, did, pc)

	// Never reported: updated_at 0 and an empty attr, which clients read
	// as "no data".
	r := e.do("GET", "/app/devdata/"+did+"/latest", e.userHdr(tok), nil)
	wantOK(t, r, http.StatusOK)
	if string(r.body) != fmt.Sprintf(`{"attr":{},"did":"%s","updated_at":0}`+"\n", did) {
		t.Fatalf("latest of a silent device %s", r.body)
	}
	wantErr(t, e.do("GET", "/app/devdata/"+did+"/latest", e.appHdr(), nil), 400, 9004)

	dev, tok2 := e.onlineDevice(2)
	eventually(t, func() error {
		r := e.do("GET", "/app/devdata/"+dev.DID()+"/latest", e.userHdr(tok2), nil)
		var got struct {
			DID       string         `json:"did"`
			UpdatedAt int64          `json:"updated_at"`
			Attr      map[string]any `json:"attr"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			return err
		}
		if got.UpdatedAt == 0 || got.DID != dev.DID() {
			return fmt.Errorf("no report yet: %s", r.body)
		}
		if want := dev.Values(); !reflect.DeepEqual(got.Attr, want) {
			return fmt.Errorf("attr %v, device has %v", got.Attr, want)
		}
		return nil
	})
}

func TestDatapointAndServiceInfo(t *testing.T) {
	e := start(t)
	r := e.do("GET", "/app/datapoint?product_key="+e.product.ProductKey, e.appHdr(), nil)
	wantOK(t, r, http.StatusOK)
	if !bytes.Equal(r.body, testserver.ExampleSchema(t, "demo-lamp.json")) {
		t.Fatalf("datapoint is not the uploaded definition: %s", r.body)
	}
	wantErr(t, e.do("GET", "/app/datapoint?product_key="+strings.Repeat("0", 32), e.appHdr(), nil), 400, 9002)
	wantErr(t, e.do("GET", "/app/datapoint", e.appHdr(), nil), 400, 9015)

	r = e.do("GET", "/status", nil, nil)
	wantOK(t, r, http.StatusOK)
	var st struct{ Status struct{ Version string } }
	if err := json.Unmarshal(r.body, &st); err != nil || st.Status.Version == "" {
		t.Fatalf("status %s", r.body)
	}

	r = e.do("GET", "/errors", nil, nil)
	wantOK(t, r, http.StatusOK)
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	found := map[float64]float64{}
	for _, x := range list {
		if _, ok := x["error_message"].(string); !ok {
			t.Fatalf("entry without message: %v", x)
		}
		found[x["error_code"].(float64)] = x["status"].(float64)
	}
	for code, status := range map[float64]float64{9003: 400, 9004: 400, 9006: 400, 9015: 400, 9017: 401, 9014: 404, 9041: 429, 9042: 400, 9038: 400, 9019: 400, 9022: 400} {
		if found[code] != status {
			t.Errorf("/errors: %v has status %v, want %v", code, found[code], status)
		}
	}
}
