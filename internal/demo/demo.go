// Package demo makes a fresh server show a live device at once
// (`switchboard serve --demo`): it creates a demo product from the example
// schema, a demo application, a demo user with a generated password, and
// simulated devices bound to that user. The devices are devsim devices,
// running inside the process but registering over HTTP and connecting over
// the server's real MQTT listener, exactly as an external device would.
//
// The product, application and user are recorded in the store, so a second
// start, or another node sharing the store, reuses them (same app id and
// login); each node's devices are remembered in its <data-dir>/demo.json
// (same dids at every start).
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/console"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/examples/products"
	"github.com/switchboard-iot/switchboard/server"
)

// Options configure the demo.
type Options struct {
	// DataDir is the server's data dir, where demo.json is kept.
	DataDir string
	// Devices is how many simulated devices run (default 3).
	Devices int
	// ReportEvery is how often each device moves its sensors and reports
	// (default 2 s), so the console shows values changing.
	ReportEvery time.Duration
	Logger      *slog.Logger
}

// Username is the demo user's login.
const Username = "demo"

// Demo is what the demo created or found, and its running devices.
type Demo struct {
	ProductKey, ProductName string
	AppID                   string
	Username, Password      string
	UID                     string
	Devices                 []*devsim.Device
	// Created is true when this start created the demo (a fresh data dir).
	Created bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start sets the demo up on a running server and starts its devices; Stop
// stops them. The console's default application id becomes the demo's.
func Start(ctx context.Context, srv *server.Server, o Options) (_ *Demo, err error) {
	if o.Devices <= 0 {
		o.Devices = 3
	}
	if o.ReportEvery <= 0 {
		o.ReportEvery = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	node := srv.Node()
	st, err := loadState(o.DataDir)
	if err != nil {
		return nil, err
	}
	d := &Demo{}

	// One data set for every node sharing the store (shared.go).
	schema, err := settleShared(ctx, node, &st, d)
	if err != nil {
		return nil, err
	}
	for len(st.Devices) < o.Devices {
		st.Devices = append(st.Devices, deviceState{MAC: newMAC(), Passcode: core.NewPasscode()})
	}
	// Saved before the devices start, so a failure below still leaves a
	// state that the next start reuses.
	if err := st.save(o.DataDir); err != nil {
		return nil, fmt.Errorf("demo state: %w", err)
	}
	d.ProductKey, d.AppID, d.Username, d.Password = st.ProductKey, st.AppID, st.Username, st.Password

	runCtx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	defer func() {
		if err != nil {
			d.Stop()
		}
	}()
	httpURL, mqttAddr := loopback(srv.HTTPAddr()), loopback(srv.MQTTAddr())
	for i, ds := range st.Devices[:o.Devices] {
		dev, err := devsim.New(devsim.Options{
			HTTPURL: "http://" + httpURL, MQTTAddr: mqttAddr,
			ProductKey: st.ProductKey, Schema: schema, MAC: ds.MAC, Passcode: ds.Passcode,
			AutoReconnect: true, Logger: o.Logger.With("demo_device", i+1),
		})
		if err != nil {
			return nil, err
		}
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		err = dev.Start(sctx)
		scancel()
		if err != nil {
			return nil, fmt.Errorf("demo device %d: %w", i+1, err)
		}
		d.Devices = append(d.Devices, dev)
		alias := "Demo lamp " + strconv.Itoa(i+1)
		if _, err := node.BindDevice(ctx, d.UID, dev.DID(), ds.Passcode, core.BindOptions{Alias: alias}); err != nil {
			return nil, fmt.Errorf("bind demo device %d: %w", i+1, err)
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			dev.Run(runCtx, o.ReportEvery)
		}()
	}
	srv.SetConsoleDefaults(console.Defaults{AppID: d.AppID, Username: d.Username})
	return d, nil
}

// Stop stops the devices' reports and disconnects them (they go offline).
func (d *Demo) Stop() {
	if d.cancel != nil {
		d.cancel()
	}
	d.wg.Wait()
	for _, dev := range d.Devices {
		dev.Stop()
	}
}

// ensureProduct reuses the remembered product or creates it from the
// example schema.
func ensureProduct(ctx context.Context, node *core.Node, st *state, d *Demo) (*datapoint.Schema, error) {
	if st.ProductKey != "" {
		if p, err := node.Store().GetProduct(ctx, st.ProductKey); err == nil {
			d.ProductName = p.Name
			return node.Schema(ctx, p.Key)
		}
	}
	p, schema, err := node.CreateProduct(ctx, products.DemoLamp)
	if err != nil {
		return nil, err
	}
	st.ProductKey, d.ProductName, d.Created = p.Key, p.Name, true
	return schema, nil
}

func ensureApp(ctx context.Context, node *core.Node, st *state, d *Demo) error {
	if st.AppID != "" {
		if _, err := node.App(ctx, st.AppID); err == nil {
			return nil
		}
	}
	a, err := node.CreateApp(ctx, "Demo app")
	if err != nil {
		return err
	}
	st.AppID, d.Created = a.ID, true
	return nil
}

// ensureUser logs the remembered user in, or creates it with a fresh
// password.
func ensureUser(ctx context.Context, node *core.Node, st *state, d *Demo) error {
	if st.Username != "" && st.Password != "" {
		if u, _, err := node.Login(ctx, st.AppID, st.Username, st.Password); err == nil {
			d.UID = u.UID
			return nil
		}
	}
	pw := newPassword()
	u, _, _, err := node.CreateUser(ctx, st.AppID, core.NewUser{Username: Username, Password: pw})
	if err != nil {
		if errors.Is(err, core.ErrUsernameTaken) {
			return fmt.Errorf("user %q exists but %s does not have its password; delete the file and the user's app, or use a fresh --data-dir", Username, StateFile)
		}
		return err
	}
	st.Username, st.Password, d.UID, d.Created = Username, pw, u.UID, true
	return nil
}

// newPassword is 12 letters and digits without look-alikes, easy to type
// from the printed banner.
func newPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newMAC is a random locally administered unicast MAC (first byte 0x02).
func newMAC() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	b[0] = 0x02
	return hex.EncodeToString(b)
}

// loopback turns a listener address into one this process can dial: an
// unspecified host (":8080", "0.0.0.0", "::") becomes 127.0.0.1.
func loopback(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}
