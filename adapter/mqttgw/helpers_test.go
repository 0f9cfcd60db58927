package mqttgw_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// fixture is a server with the demo lamp product and one registered device.
type fixture struct {
	srv     *testserver.Server
	product adminclient.Product
	dev     adminclient.Device
}

func newFixture(t *testing.T, opts ...testserver.Option) *fixture {
	t.Helper()
	srv := testserver.Start(t, opts...)
	p, _ := srv.CreateProduct(t, "demo-lamp.json")
	d, err := srv.Admin.RegisterDevice(context.Background(), p.ProductKey, "a0b1c2d3e4f5", "PASSCODEAB")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, product: p, dev: d}
}

// register adds another device of the fixture's product.
func (f *fixture) register(t *testing.T, mac string) adminclient.Device {
	t.Helper()
	d, err := f.srv.Admin.RegisterDevice(context.Background(), f.product.ProductKey, mac, "OTHERPASS1")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// clientOpts are GAgent's connection settings for a device.
func (f *fixture) clientOpts(clientID, user, pass string, version uint) *paho.ClientOptions {
	return paho.NewClientOptions().
		AddBroker("tcp://" + f.srv.MQTTAddr).
		SetClientID(clientID).SetUsername(user).SetPassword(pass).
		SetProtocolVersion(version).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).
		SetKeepAlive(120 * time.Second)
}

// connect connects a device client and fails the test on error.
func (f *fixture) connect(t *testing.T, d adminclient.Device, version uint) paho.Client {
	t.Helper()
	c := paho.NewClient(f.clientOpts(d.DID, d.DID, d.Passcode, version))
	if err := waitToken(c.Connect()); err != nil {
		t.Fatalf("connect %s: %v", d.DID, err)
	}
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

func waitToken(tok paho.Token) error {
	if !tok.WaitTimeout(10 * time.Second) {
		return fmt.Errorf("timed out")
	}
	return tok.Error()
}

// events subscribes to the core's events of one device.
func events(t *testing.T, srv *testserver.Server, subject string) <-chan core.DeviceEvent {
	t.Helper()
	ch := make(chan core.DeviceEvent, 256)
	sub, err := srv.Node().Bus().Subscribe(subject, func(_ string, data []byte) {
		ev, err := core.DecodeDeviceEvent(data)
		if err != nil {
			t.Errorf("bad event: %v", err)
			return
		}
		ch <- ev
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return ch
}

// next waits for the next event.
func next(t *testing.T, ch <-chan core.DeviceEvent) core.DeviceEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return core.DeviceEvent{}
	}
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
