package postgres

import (
	"context"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// CreateProduct inserts p; store.ErrConflict when p.Key exists.
func (s *Store) CreateProduct(ctx context.Context, p store.Product) error {
	_, err := s.db.Exec(ctx,
		`INSERT INTO products (key, secret, name, schema, created_at) VALUES ($1, $2, $3, $4, $5)`,
		p.Key, p.Secret, p.Name, string(p.Schema), toMS(p.CreatedAt))
	return mapErr(err, fmt.Sprintf("create product %q", p.Key))
}

// GetProduct returns the product with that key or store.ErrNotFound.
func (s *Store) GetProduct(ctx context.Context, key string) (store.Product, error) {
	p, err := scanProduct(s.db.QueryRow(ctx,
		`SELECT key, secret, name, schema, created_at FROM products WHERE key = $1`, key))
	return p, mapErr(err, fmt.Sprintf("get product %q", key))
}

// ListProducts returns every product, oldest first (ties by key).
func (s *Store) ListProducts(ctx context.Context) ([]store.Product, error) {
	rows, err := s.db.Query(ctx, `SELECT key, secret, name, schema, created_at FROM products ORDER BY created_at, key`)
	return collect(rows, err, "list products", scanProduct)
}

func scanProduct(sc scanner) (store.Product, error) {
	var p store.Product
	var schema string
	var created int64
	if err := sc.Scan(&p.Key, &p.Secret, &p.Name, &schema, &created); err != nil {
		return store.Product{}, err
	}
	p.Schema = []byte(schema)
	p.CreatedAt = fromMS(created)
	return p, nil
}
