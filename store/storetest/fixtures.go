package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// zone is deliberately not UTC, and at carries nanoseconds below the
// millisecond, so the suite sees whether engines normalise both.
var zone = time.FixedZone("UTC+8", 8*3600)

// at is a fixed instant plus sec seconds.
func at(sec int) time.Time {
	return time.Date(2024, 3, 1, 12, 0, sec, 123_456_789, zone)
}

// stored is how a time is expected back: UTC, millisecond precision.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// hexKey is a 32-character lower-case hex key (product key, app id, secret).
func hexKey(n int) string { return fmt.Sprintf("%032x", n) }

// did is a 22-character device id.
func did(n int) string { return fmt.Sprintf("did%019d", n) }

// mac is a 12-character lower-case hex MAC.
func mac(n int) string { return fmt.Sprintf("%012x", 0xa0b0c0000000+n) }

// newProduct builds product n created at at(sec).
func newProduct(n, sec int) store.Product {
	return store.Product{
		Key:       hexKey(n),
		Secret:    hexKey(1000 + n),
		Name:      fmt.Sprintf("product %d", n),
		Schema:    []byte(fmt.Sprintf("{\"n\": %d,\n  \"entities\": [ ]}", n)), // odd spacing: must survive verbatim
		CreatedAt: at(sec),
	}
}

// newDevice builds device n of product created at at(sec).
func newDevice(n int, product string, sec int) store.Device {
	return store.Device{
		DID:        did(n),
		ProductKey: product,
		MAC:        mac(n),
		Passcode:   fmt.Sprintf("pass%d", n),
		CreatedAt:  at(sec),
	}
}

// mustProduct creates product n and fails the test on error.
func mustProduct(t *testing.T, s store.Store, n int) store.Product {
	t.Helper()
	p := newProduct(n, n)
	if err := s.CreateProduct(t.Context(), p); err != nil {
		t.Fatalf("CreateProduct(%s): %v", p.Key, err)
	}
	return p
}

// mustRegister registers d, which must be new.
func mustRegister(t *testing.T, s store.Store, d store.Device) store.Device {
	t.Helper()
	got, created, err := s.RegisterDevice(t.Context(), d)
	if err != nil {
		t.Fatalf("RegisterDevice(%s): %v", d.DID, err)
	}
	if !created {
		t.Fatalf("RegisterDevice(%s): created = false for a new device", d.DID)
	}
	return got
}

// mustPut stores states.
func mustPut(t *testing.T, s store.Store, states ...store.State) {
	t.Helper()
	if err := s.PutStates(t.Context(), states); err != nil {
		t.Fatalf("PutStates: %v", err)
	}
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want %v", what, err, target)
	}
}

// checkTime compares a returned time with what was written.
func checkTime(t *testing.T, what string, got, written time.Time) {
	t.Helper()
	if written.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want zero", what, got)
		}
		return
	}
	want := stored(written)
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v (written %v)", what, got, want, written)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, got.Location())
	}
}

// checkProduct compares every field of a returned product.
func checkProduct(t *testing.T, got, want store.Product) {
	t.Helper()
	if got.Key != want.Key || got.Secret != want.Secret || got.Name != want.Name {
		t.Errorf("product = %q/%q/%q, want %q/%q/%q", got.Key, got.Secret, got.Name, want.Key, want.Secret, want.Name)
	}
	if !bytes.Equal(got.Schema, want.Schema) {
		t.Errorf("product %s schema = %q, want verbatim %q", want.Key, got.Schema, want.Schema)
	}
	checkTime(t, "product "+want.Key+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// checkApp compares every field of a returned app.
func checkApp(t *testing.T, got, want store.App) {
	t.Helper()
	if got.ID != want.ID || got.Secret != want.Secret || got.Name != want.Name {
		t.Errorf("app = %q/%q/%q, want %q/%q/%q", got.ID, got.Secret, got.Name, want.ID, want.Secret, want.Name)
	}
	checkTime(t, "app "+want.ID+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// checkDevice compares every field of a returned device.
func checkDevice(t *testing.T, got, want store.Device) {
	t.Helper()
	g, w := got, want
	g.LastSeen, g.CreatedAt, w.LastSeen, w.CreatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if g != w {
		t.Errorf("device = %+v, want %+v", g, w)
	}
	checkTime(t, "device "+want.DID+" LastSeen", got.LastSeen, want.LastSeen)
	checkTime(t, "device "+want.DID+" CreatedAt", got.CreatedAt, want.CreatedAt)
}

// checkState compares a returned state; Attrs as JSON values, because an
// engine may store them in a normalised JSON type.
func checkState(t *testing.T, got, want store.State) {
	t.Helper()
	if got.DID != want.DID {
		t.Errorf("state DID = %q, want %q", got.DID, want.DID)
	}
	var g, w any
	if err := json.Unmarshal(got.Attrs, &g); err != nil {
		t.Errorf("state %s attrs %q: %v", want.DID, got.Attrs, err)
	}
	if err := json.Unmarshal(want.Attrs, &w); err != nil {
		t.Fatalf("bad test attrs %q: %v", want.Attrs, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("state %s attrs = %s, want %s", want.DID, got.Attrs, want.Attrs)
	}
	checkTime(t, "state "+want.DID+" UpdatedAt", got.UpdatedAt, want.UpdatedAt)
}

// getState fetches a state, failing the test on error.
func getState(t *testing.T, s store.Store, did string) store.State {
	t.Helper()
	st, err := s.GetState(t.Context(), did)
	if err != nil {
		t.Fatalf("GetState(%s): %v", did, err)
	}
	return st
}

// getDevice fetches a device, failing the test on error.
func getDevice(t *testing.T, s store.Store, did string) store.Device {
	t.Helper()
	d, err := s.GetDevice(t.Context(), did)
	if err != nil {
		t.Fatalf("GetDevice(%s): %v", did, err)
	}
	return d
}
