package sqlite

import (
	"context"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// CreateProduct inserts p; store.ErrConflict when p.Key exists.
func (s *Store) CreateProduct(ctx context.Context, p store.Product) error {
	_, err := s.wq.exec(ctx,
		`INSERT INTO products (key, secret, name, schema, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.Key, p.Secret, p.Name, string(p.Schema), toMS(p.CreatedAt))
	return mapErr(err, fmt.Sprintf("create product %q", p.Key))
}

// GetProduct returns the product with that key or store.ErrNotFound.
func (s *Store) GetProduct(ctx context.Context, key string) (store.Product, error) {
	row := s.rq.queryRow(ctx,
		`SELECT key, secret, name, schema, created_at FROM products WHERE key = ?`, key)
	p, err := scanProduct(row)
	return p, mapErr(err, fmt.Sprintf("get product %q", key))
}

// ListProducts returns every product, oldest first (ties by key, so the order
// is stable).
func (s *Store) ListProducts(ctx context.Context) ([]store.Product, error) {
	rows, err := s.rq.query(ctx,
		`SELECT key, secret, name, schema, created_at FROM products ORDER BY created_at, key`)
	if err != nil {
		return nil, mapErr(err, "list products")
	}
	defer rows.Close()
	var ps []store.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, mapErr(err, "list products")
		}
		ps = append(ps, p)
	}
	return ps, mapErr(rows.Err(), "list products")
}

// scanProduct reads the column list used by every product query.
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
