package main_test

import (
	"context"
	"fmt"
	"net/http"
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

// appUser is a Gizwits app user signed up through the app API.
type appUser struct{ UID, Token string }

func signUp(t *testing.T, base, appID, username string) appUser {
	t.Helper()
	var u appUser
	gizwits(t, base, http.MethodPost, "/app/users", appID, "",
		fmt.Sprintf(`{"username":%q,"password":%q}`, username, username+"-secret"), &u)
	return u
}

// bind binds the device to u through the app API on base.
func (u appUser) bind(t *testing.T, base, appID, did, passcode string) {
	t.Helper()
	var bound struct{ Success []string }
	gizwits(t, base, http.MethodPost, "/app/bindings", appID, u.Token,
		fmt.Sprintf(`{"devices":[{"did":%q,"passcode":%q}]}`, did, passcode), &bound)
	if len(bound.Success) != 1 {
		t.Fatalf("binding %s on %s: %+v", did, base, bound)
	}
}
