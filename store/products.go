package store

import (
	"context"
	"time"
)

// Product is a Gizwits product: a key, a secret devices and apps sign with, and
// the datapoint definition (notes §4) kept verbatim as JSON.
type Product struct {
	Key       string // product_key, 32 lower-case hex characters
	Secret    string // product_secret, 32 lower-case hex characters
	Name      string
	Schema    []byte // the product datapoint definition JSON as uploaded
	CreatedAt time.Time
}

// Products stores product definitions.
type Products interface {
	// CreateProduct inserts p; ErrConflict when p.Key exists.
	CreateProduct(ctx context.Context, p Product) error
	// GetProduct returns the product with that key or ErrNotFound.
	GetProduct(ctx context.Context, key string) (Product, error)
	// ListProducts returns every product, oldest first.
	ListProducts(ctx context.Context) ([]Product, error)
}
