package main_test

import (
	"context"
	"os"
	"testing"

	"github.com/switchboard-iot/switchboard/adminclient"
)

// lamp is what most process tests start from, made through the admin API:
// the demo-lamp product, an app (when appName is given) and one registered
// device (when mac is given).
type lamp struct {
	prod adminclient.Product
	app  adminclient.App
	dev  adminclient.Device
}

func newLamp(t *testing.T, admin *adminclient.Client, appName, mac string) lamp {
	t.Helper()
	ctx := context.Background()
	schema, err := os.ReadFile("../../examples/products/demo-lamp.json")
	if err != nil {
		t.Fatal(err)
	}
	var l lamp
	if l.prod, err = admin.CreateProduct(ctx, schema); err != nil {
		t.Fatal(err)
	}
	if appName != "" {
		if l.app, err = admin.CreateApp(ctx, appName); err != nil {
			t.Fatal(err)
		}
	}
	if mac != "" {
		if l.dev, err = admin.RegisterDevice(ctx, l.prod.ProductKey, mac, ""); err != nil {
			t.Fatal(err)
		}
	}
	return l
}
