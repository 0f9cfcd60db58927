// Package adminapi holds the JSON shapes of the operator API /admin/v1:
// adapter/admin renders them and adminclient decodes them, so the server
// and its Go client cannot drift apart. Times are RFC 3339 in UTC; a time
// that never happened is null. docs/operations.md describes the endpoints.
package adminapi

import (
	"encoding/json"
	"time"
)

// Product is a product as GET /admin/v1/products[/{key}] shows it; Schema
// (the definition as uploaded) only on the single product.
type Product struct {
	ProductKey    string          `json:"product_key"`
	ProductSecret string          `json:"product_secret"`
	Name          string          `json:"name"`
	CreatedAt     time.Time       `json:"created_at"`
	Schema        json.RawMessage `json:"schema,omitempty"`
}

// App is an application.
type App struct {
	AppID     string    `json:"appid"`
	AppSecret string    `json:"app_secret"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Device is a device; Attrs and UpdatedAt (its latest datapoints) only on
// GET /admin/v1/devices/{did}.
type Device struct {
	DID        string          `json:"did"`
	ProductKey string          `json:"product_key"`
	MAC        string          `json:"mac"`
	Passcode   string          `json:"passcode"`
	IsOnline   bool            `json:"is_online"`
	IsDisabled bool            `json:"is_disabled"`
	LastSeen   *time.Time      `json:"last_seen"`
	CreatedAt  time.Time       `json:"created_at"`
	Attrs      json.RawMessage `json:"attrs,omitempty"`
	UpdatedAt  *time.Time      `json:"updated_at,omitempty"`
}

// ProductList is GET /admin/v1/products.
type ProductList struct {
	Products []Product `json:"products"`
}

// AppList is GET /admin/v1/apps.
type AppList struct {
	Apps []App `json:"apps"`
}

// DeviceList is GET /admin/v1/devices.
type DeviceList struct {
	Devices []Device `json:"devices"`
}

// Revoked is DELETE /admin/v1/users/{uid}/tokens: how many tokens ended.
type Revoked struct {
	Revoked int `json:"revoked"`
}
