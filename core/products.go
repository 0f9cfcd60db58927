package core

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/store"
)

var hexKey = regexp.MustCompile(`^[0-9a-f]{32}$`)

// CreateProduct validates a Gizwits product datapoint definition and stores
// it with a new product secret. If the definition carries a product_key of
// 32 hex characters it is kept, so makers can move existing products over
// without reflashing devices; otherwise a new key is drawn.
func (n *Node) CreateProduct(ctx context.Context, schemaJSON []byte) (store.Product, *datapoint.Schema, error) {
	def, err := datapoint.ParseProduct(schemaJSON)
	if err != nil {
		return store.Product{}, nil, errors.Join(ErrInvalidSchema, err)
	}
	schema, err := datapoint.Compile(def)
	if err != nil {
		return store.Product{}, nil, errors.Join(ErrInvalidSchema, err)
	}
	key := strings.ToLower(def.ProductKey)
	if key == "" {
		key = NewKey()
	} else if !hexKey.MatchString(key) {
		return store.Product{}, nil, fmt.Errorf("%w: %w", ErrInvalidSchema, invalidInput("product_key", "must be 32 hex characters"))
	}
	p := store.Product{
		Key:       key,
		Secret:    NewKey(),
		Name:      def.Name,
		Schema:    schemaJSON,
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
	}
	if err := n.store.CreateProduct(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Product{}, nil, ErrConflict
		}
		return store.Product{}, nil, err
	}
	n.schemas.Store(p.Key, schema)
	return p, schema, nil
}

// CreateApp stores a new application with a fresh appid and secret.
func (n *Node) CreateApp(ctx context.Context, name string) (store.App, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return store.App{}, invalidInput("name", "must be 1 to 200 characters")
	}
	a := store.App{ID: NewKey(), Secret: NewKey(), Name: name, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := n.store.CreateApp(ctx, a); err != nil {
		return store.App{}, err
	}
	return a, nil
}

// Product returns a product's row (its name, secret and definition as
// uploaded); ErrProductNotFound if there is none.
func (n *Node) Product(ctx context.Context, key string) (store.Product, error) {
	p, err := n.store.GetProduct(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return store.Product{}, ErrProductNotFound
	}
	return p, err
}
