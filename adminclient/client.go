// Package adminclient is a Go client for Switchboard's /admin/v1 API, used
// by `switchboard admin` and by tests.
package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/adminapi"
)

// Client talks to one server.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string
	HTTP    *http.Client
}

// New returns a client with a 30 s timeout.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// APIError is an error answer of the admin API.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("admin API: %d %s: %s", e.Status, e.Code, e.Message)
}

// The admin API's shapes are package adminapi's, which the server renders
// too; these names keep the client's API.
type (
	Product         = adminapi.Product
	App             = adminapi.App
	Device          = adminapi.Device
	Partner         = adminapi.Partner
	PushHealth      = adminapi.PushHealth
	PartnerSettings = adminapi.PartnerSettings
	FailedPush      = adminapi.FailedPush
	AuthCode        = adminapi.AuthCode
)

func (c *Client) do(ctx context.Context, method, path string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e adminapi.ErrorBody
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return &APIError{Status: resp.StatusCode, Code: "http", Message: strings.TrimSpace(string(data))}
		}
		return &APIError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	return json.Unmarshal(data, out)
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

// CreateProduct uploads a product datapoint definition.
func (c *Client) CreateProduct(ctx context.Context, schema []byte) (Product, error) {
	var p Product
	return p, c.do(ctx, http.MethodPost, "/admin/v1/products", bytes.NewReader(schema), &p)
}

// ListProducts lists products.
func (c *Client) ListProducts(ctx context.Context) ([]Product, error) {
	var r adminapi.ProductList
	return r.Products, c.do(ctx, http.MethodGet, "/admin/v1/products", nil, &r)
}

// GetProduct returns one product with its schema.
func (c *Client) GetProduct(ctx context.Context, key string) (Product, error) {
	var p Product
	return p, c.do(ctx, http.MethodGet, "/admin/v1/products/"+url.PathEscape(key), nil, &p)
}

// CreateApp creates an application.
func (c *Client) CreateApp(ctx context.Context, name string) (App, error) {
	var a App
	return a, c.do(ctx, http.MethodPost, "/admin/v1/apps", jsonBody(map[string]string{"name": name}), &a)
}

// ListApps lists applications.
func (c *Client) ListApps(ctx context.Context) ([]App, error) {
	var r adminapi.AppList
	return r.Apps, c.do(ctx, http.MethodGet, "/admin/v1/apps", nil, &r)
}

// CreatePartner creates a partner with fresh keys.
func (c *Client) CreatePartner(ctx context.Context, s PartnerSettings) (Partner, error) {
	var p Partner
	return p, c.do(ctx, http.MethodPost, "/admin/v1/partners", jsonBody(s), &p)
}

// ListPartners lists partners.
func (c *Client) ListPartners(ctx context.Context) ([]Partner, error) {
	var r adminapi.PartnerList
	return r.Partners, c.do(ctx, http.MethodGet, "/admin/v1/partners", nil, &r)
}

// GetPartner returns one partner.
func (c *Client) GetPartner(ctx context.Context, appID string) (Partner, error) {
	var p Partner
	return p, c.do(ctx, http.MethodGet, "/admin/v1/partners/"+url.PathEscape(appID), nil, &p)
}

// UpdatePartner replaces a partner's name, push URL and push signing.
func (c *Client) UpdatePartner(ctx context.Context, appID string, s PartnerSettings) (Partner, error) {
	var p Partner
	return p, c.do(ctx, http.MethodPut, "/admin/v1/partners/"+url.PathEscape(appID), jsonBody(s), &p)
}

// SetPartnerSuspended disables pushes to a partner (reason may be empty) or
// re-enables it.
func (c *Client) SetPartnerSuspended(ctx context.Context, appID string, suspended bool, reason string) (Partner, error) {
	path, body := "/admin/v1/partners/"+url.PathEscape(appID)+"/enable", io.Reader(nil)
	if suspended {
		path, body = "/admin/v1/partners/"+url.PathEscape(appID)+"/disable", jsonBody(map[string]string{"reason": reason})
	}
	var p Partner
	return p, c.do(ctx, http.MethodPost, path, body, &p)
}

// RegisterDevice registers (or finds) a device; passcode may be empty.
func (c *Client) RegisterDevice(ctx context.Context, productKey, mac, passcode string) (Device, error) {
	var d Device
	return d, c.do(ctx, http.MethodPost, "/admin/v1/devices",
		jsonBody(map[string]string{"product_key": productKey, "mac": mac, "passcode": passcode}), &d)
}

// ListDevices lists devices, optionally of one product.
func (c *Client) ListDevices(ctx context.Context, productKey string, limit, skip int) ([]Device, error) {
	q := url.Values{}
	if productKey != "" {
		q.Set("product_key", productKey)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if skip > 0 {
		q.Set("skip", strconv.Itoa(skip))
	}
	var r adminapi.DeviceList
	return r.Devices, c.do(ctx, http.MethodGet, "/admin/v1/devices?"+q.Encode(), nil, &r)
}

// GetDevice returns a device with its latest datapoints.
func (c *Client) GetDevice(ctx context.Context, did string) (Device, error) {
	var d Device
	return d, c.do(ctx, http.MethodGet, "/admin/v1/devices/"+url.PathEscape(did), nil, &d)
}

// SetDeviceDisabled disables or enables a device.
func (c *Client) SetDeviceDisabled(ctx context.Context, did string, disabled bool) (Device, error) {
	action := "enable"
	if disabled {
		action = "disable"
	}
	var d Device
	return d, c.do(ctx, http.MethodPost, "/admin/v1/devices/"+url.PathEscape(did)+"/"+action, nil, &d)
}

// DeleteDevice deletes a device.
func (c *Client) DeleteDevice(ctx context.Context, did string) error {
	return c.do(ctx, http.MethodDelete, "/admin/v1/devices/"+url.PathEscape(did), nil, nil)
}

// RevokeUserTokens ends every token of an app user and says how many.
func (c *Client) RevokeUserTokens(ctx context.Context, uid string) (int, error) {
	var r adminapi.Revoked
	return r.Revoked, c.do(ctx, http.MethodDelete, "/admin/v1/users/"+url.PathEscape(uid)+"/tokens", nil, &r)
}

// Write sends a datapoint write to an online device.
func (c *Client) Write(ctx context.Context, did string, attrs map[string]any) error {
	return c.do(ctx, http.MethodPost, "/admin/v1/devices/"+url.PathEscape(did)+"/control", jsonBody(map[string]any{"attrs": attrs}), nil)
}

// Read asks an online device to report its datapoints.
func (c *Client) Read(ctx context.Context, did string) error {
	return c.do(ctx, http.MethodPost, "/admin/v1/devices/"+url.PathEscape(did)+"/control", jsonBody(map[string]any{"read": true}), nil)
}

// ResumePartnerPushes re-enables a partner's pushes after the failure rule
// suspended them.
func (c *Client) ResumePartnerPushes(ctx context.Context, appID string) (Partner, error) {
	var p Partner
	return p, c.do(ctx, http.MethodPost, "/admin/v1/partners/"+url.PathEscape(appID)+"/push/enable", nil, &p)
}

// FailedPushes lists a partner's pushes that failed in the last 12 hours.
func (c *Client) FailedPushes(ctx context.Context, appID string) ([]FailedPush, error) {
	var r adminapi.FailedPushList
	return r.Pushes, c.do(ctx, http.MethodGet, "/admin/v1/partners/"+url.PathEscape(appID)+"/pushes/failed", nil, &r)
}

// AuthCodes lists a partner's pending auth codes.
func (c *Client) AuthCodes(ctx context.Context, appID string) ([]AuthCode, error) {
	var r adminapi.AuthCodeList
	return r.AuthCodes, c.do(ctx, http.MethodGet, "/admin/v1/partners/"+url.PathEscape(appID)+"/auth-codes", nil, &r)
}
