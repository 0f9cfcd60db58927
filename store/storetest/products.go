package storetest

import (
	"testing"

	"github.com/switchboard-iot/switchboard/store"
)

// testProducts covers the Products interface.
func testProducts(t *testing.T, open opener) {
	t.Run("CreateGet", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := newProduct(1, 5)
		if err := s.CreateProduct(ctx, p); err != nil {
			t.Fatalf("CreateProduct: %v", err)
		}
		got, err := s.GetProduct(ctx, p.Key)
		if err != nil {
			t.Fatalf("GetProduct: %v", err)
		}
		checkProduct(t, got, p)
	})

	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		mustProduct(t, s, 1)
		_, err := s.GetProduct(ctx, hexKey(2))
		wantErr(t, "GetProduct(missing)", err, store.ErrNotFound)
	})

	t.Run("CreateDuplicate", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		p := mustProduct(t, s, 1)
		dup := newProduct(1, 9)
		dup.Secret, dup.Name = hexKey(99), "impostor"
		wantErr(t, "CreateProduct(duplicate)", s.CreateProduct(ctx, dup), store.ErrConflict)
		got, err := s.GetProduct(ctx, p.Key)
		if err != nil {
			t.Fatalf("GetProduct: %v", err)
		}
		checkProduct(t, got, p) // the original is untouched
	})

	t.Run("ListOldestFirst", func(t *testing.T) {
		t.Parallel()
		s, ctx := open(t), t.Context()
		if ps, err := s.ListProducts(ctx); err != nil || len(ps) != 0 {
			t.Fatalf("ListProducts(empty) = %v, %v; want none", ps, err)
		}
		// Inserted out of creation order, so insertion order cannot pass.
		want := []store.Product{newProduct(3, 1), newProduct(1, 2), newProduct(2, 3)}
		for _, i := range []int{2, 0, 1} {
			if err := s.CreateProduct(ctx, want[i]); err != nil {
				t.Fatalf("CreateProduct: %v", err)
			}
		}
		got, err := s.ListProducts(ctx)
		if err != nil {
			t.Fatalf("ListProducts: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("ListProducts returned %d products, want %d", len(got), len(want))
		}
		for i := range want {
			checkProduct(t, got[i], want[i])
		}
	})
}
