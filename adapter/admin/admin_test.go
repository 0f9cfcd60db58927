package admin_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

func apiErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *adminclient.APIError
	if !errors.As(err, &e) || e.Status != status || e.Code != code {
		t.Fatalf("err = %v, want %d %s", err, status, code)
	}
}

func TestAdminAuth(t *testing.T) {
	srv := testserver.Start(t)
	for _, hdr := range []string{"", "Bearer", "Bearer wrong", "Basic " + srv.AdminToken, "bearer " + srv.AdminToken} {
		req, _ := http.NewRequest(http.MethodGet, srv.HTTPURL+"/admin/v1/products", nil)
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d, want 401 with WWW-Authenticate", hdr, resp.StatusCode)
		}
	}
	bad := adminclient.New(srv.HTTPURL, "nope")
	_, err := bad.ListDevices(context.Background(), "", 0, 0)
	apiErr(t, err, 401, "unauthorized")
}

func TestProductsAndApps(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	raw := testserver.ExampleSchema(t, "demo-lamp.json")
	p, err := srv.Admin.CreateProduct(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.ProductKey) != 32 || len(p.ProductSecret) != 32 || p.Name != "Demo lamp" {
		t.Fatalf("product = %+v", p)
	}
	got, err := srv.Admin.GetProduct(ctx, p.ProductKey)
	if err != nil || !strings.Contains(string(got.Schema), "LED_OnOff") {
		t.Fatalf("get product = %+v, %v", got, err)
	}
	// A definition naming its own product_key keeps it; twice is a conflict.
	withKey := strings.Replace(string(raw), `"name": "Demo lamp",`, `"name": "Kept", "product_key": "0123456789abcdef0123456789abcdef",`, 1)
	if p2, err := srv.Admin.CreateProduct(ctx, []byte(withKey)); err != nil || p2.ProductKey != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("product with key = %+v, %v", p2, err)
	}
	_, err = srv.Admin.CreateProduct(ctx, []byte(withKey))
	apiErr(t, err, 409, "conflict")

	for name, body := range map[string]string{
		"not JSON":        "{",
		"no entities":     `{"name":"x","protocolType":"standard","entities":[]}`,
		"unknown type":    `{"name":"x","protocolType":"standard","entities":[{"attrs":[{"id":0,"name":"a","data_type":"float","type":"status_writable","position":{"byte_offset":0,"bit_offset":0,"len":1,"unit":"byte"}}]}]}`,
		"bad product key": `{"name":"x","product_key":"xyz","protocolType":"standard","entities":[{"attrs":[{"id":0,"name":"a","data_type":"bool","type":"status_writable","position":{"byte_offset":0,"bit_offset":0,"len":1,"unit":"bit"}}]}]}`,
	} {
		_, err := srv.Admin.CreateProduct(ctx, []byte(body))
		var e *adminclient.APIError
		if !errors.As(err, &e) || e.Status != 422 {
			t.Errorf("%s: %v, want 422 invalid_schema", name, err)
		}
	}
	ps, err := srv.Admin.ListProducts(ctx)
	if err != nil || len(ps) != 2 {
		t.Fatalf("list products = %d, %v", len(ps), err)
	}
	_, err = srv.Admin.GetProduct(ctx, "ffffffffffffffffffffffffffffffff")
	apiErr(t, err, 404, "product_not_found")

	a, err := srv.Admin.CreateApp(ctx, "My app")
	if err != nil || len(a.AppID) != 32 || len(a.AppSecret) != 32 {
		t.Fatalf("app = %+v, %v", a, err)
	}
	_, err = srv.Admin.CreateApp(ctx, "  ")
	apiErr(t, err, 400, "invalid_input")
	if as, err := srv.Admin.ListApps(ctx); err != nil || len(as) != 1 || as[0].AppID != a.AppID {
		t.Fatalf("apps = %+v, %v", as, err)
	}
}

func TestDevices(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	p, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e0f")
	srv.WaitOnline(t, dev.DID(), true)

	ds, err := srv.Admin.ListDevices(ctx, p.ProductKey, 10, 0)
	if err != nil || len(ds) != 1 || ds[0].DID != dev.DID() || !ds[0].IsOnline {
		t.Fatalf("list = %+v, %v", ds, err)
	}
	if ds, _ := srv.Admin.ListDevices(ctx, p.ProductKey, 10, 1); len(ds) != 0 {
		t.Fatalf("page past the end = %+v", ds)
	}
	testserver.Eventually(t, 10e9, func() error { // the device's first report
		d, err := srv.Admin.GetDevice(ctx, dev.DID())
		if err != nil || !d.IsOnline || !strings.Contains(string(d.Attrs), "Temperature") || d.UpdatedAt == nil {
			return fmt.Errorf("get = %+v, %v", d, err)
		}
		return nil
	})
	// Write through the admin API reaches the device.
	if err := srv.Admin.Write(ctx, dev.DID(), map[string]any{"LED_Color": "yellow"}); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 10e9, func() error {
		if dev.Values()["LED_Color"] != "yellow" {
			return errors.New("device did not change")
		}
		return nil
	})
	err = srv.Admin.Write(ctx, dev.DID(), map[string]any{"Humidity": 3})
	apiErr(t, err, 400, "invalid_input")

	// Disabling closes the session and refuses reconnection.
	if _, err := srv.Admin.SetDeviceDisabled(ctx, dev.DID(), true); err != nil {
		t.Fatal(err)
	}
	srv.WaitOnline(t, dev.DID(), false)
	err = srv.Admin.Write(ctx, dev.DID(), map[string]any{"LED_OnOff": true})
	apiErr(t, err, 409, "device_disabled")
	if d, _ := srv.Admin.SetDeviceDisabled(ctx, dev.DID(), false); d.IsDisabled {
		t.Fatal("still disabled")
	}
	if err := srv.Admin.DeleteDevice(ctx, dev.DID()); err != nil {
		t.Fatal(err)
	}
	_, err = srv.Admin.GetDevice(ctx, dev.DID())
	apiErr(t, err, 404, "device_not_found")
	err = srv.Admin.DeleteDevice(ctx, dev.DID())
	apiErr(t, err, 404, "device_not_found")

	// Bad query parameters and unknown paths are JSON errors.
	_, err = srv.Admin.ListDevices(ctx, "", 5000, 0)
	apiErr(t, err, 400, "invalid_input")
	req, _ := http.NewRequest(http.MethodGet, srv.HTTPURL+"/admin/v1/nothing", nil)
	req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(b), `"not_found"`) {
		t.Fatalf("unknown path = %d %s", resp.StatusCode, b)
	}
}
