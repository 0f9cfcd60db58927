package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-iot/switchboard/store"
)

// testFindDeviceByMAC: the (product key, MAC) lookup bind-by-MAC uses.
func testFindDeviceByMAC(t *testing.T, open opener) {
	ctx := context.Background()
	s := open(t)
	p := store.Product{Key: "0123456789abcdef0123456789abcdef", Secret: "s", Name: "p", Schema: []byte("{}")}
	q := store.Product{Key: "fedcba9876543210fedcba9876543210", Secret: "s", Name: "q", Schema: []byte("{}")}
	for _, x := range []store.Product{p, q} {
		if err := s.CreateProduct(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	d, _, err := s.RegisterDevice(ctx, store.Device{DID: "AAAAAAAAAAAAAAAAAAAAA1", ProductKey: p.Key, MAC: "aabbccddeeff", Passcode: "P"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.FindDeviceByMAC(ctx, p.Key, "aabbccddeeff")
	if err != nil || got.DID != d.DID {
		t.Fatalf("find = %+v, %v; want %s", got, err, d.DID)
	}
	if _, err := s.FindDeviceByMAC(ctx, q.Key, "aabbccddeeff"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("same MAC under another product: %v, want ErrNotFound", err)
	}
	if _, err := s.FindDeviceByMAC(ctx, p.Key, "000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown MAC: %v, want ErrNotFound", err)
	}
}
