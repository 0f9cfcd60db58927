package admin

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the operator API uses of the device model: products, apps,
// devices and their control, and users' tokens. *core.Node satisfies it.
type Core interface {
	CreateProduct(ctx context.Context, schemaJSON []byte) (store.Product, *datapoint.Schema, error)
	Product(ctx context.Context, key string) (store.Product, error)
	CreateApp(ctx context.Context, name string) (store.App, error)
	App(ctx context.Context, appID string) (store.App, error)

	RegisterDevice(ctx context.Context, productKey, mac, passcode string) (store.Device, bool, error)
	Device(ctx context.Context, did string) (store.Device, error)
	LatestState(ctx context.Context, did string) (attrs json.RawMessage, at time.Time, err error)
	DeleteDevice(ctx context.Context, did string) error
	SetDeviceDisabled(ctx context.Context, did string, disabled bool) error
	WriteAttrs(ctx context.Context, t core.Target, attrs map[string]any) error
	ReadAttrs(ctx context.Context, t core.Target, names []string) error
	SendRaw(ctx context.Context, t core.Target, frame []byte) error

	RevokeUserTokens(ctx context.Context, uid string) (int, error)
}

// Listings are the store reads behind the list endpoints: rows the core
// does not model one by one, read straight from the store (store.Store
// satisfies it).
type Listings interface {
	ListProducts(ctx context.Context) ([]store.Product, error)
	ListApps(ctx context.Context) ([]store.App, error)
	ListDevices(ctx context.Context, f store.DeviceFilter) ([]store.Device, error)
}

var (
	_ Core     = (*core.Node)(nil)
	_ Listings = (store.Store)(nil)
)
