// Package devsim simulates Gizwits devices the way GAgent behaves (notes §1):
// it registers over HTTP, asks where the broker is, connects over MQTT 3.1
// with did/passcode, subscribes its three topics, reports datapoints, and
// answers reads and writes (0x0090 -> 0x0091, 0x0093 -> 0x0094 with the same
// sn). `switchboard devsim`, the demo and the tests all use it.
package devsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
)

// Options describe one simulated device.
type Options struct {
	// HTTPURL is the server's HTTP base URL, for registration (/dev/devices).
	HTTPURL    string
	ProductKey string
	Schema     *datapoint.Schema
	MAC        string
	// Passcode defaults to a fresh random one, as a module makes at reset.
	Passcode string
	// MQTTAddr overrides the host:port the server provisions.
	MQTTAddr string
	// TLSConfig, if set, connects with MQTT over TLS (give MQTTAddr the
	// server's MQTTS port: provisioning names the plain one).
	TLSConfig *tls.Config
	// Keepalive defaults to 120 s, GAgent's value.
	Keepalive time.Duration
	// ProtocolVersion is 3 (MQTT 3.1, GAgent's) by default, or 4 (3.1.1).
	ProtocolVersion uint
	// AutoReconnect makes the device reconnect after losing its session.
	AutoReconnect bool
	Logger        *slog.Logger
}

// Device is one simulated device.
type Device struct {
	o      Options
	log    *slog.Logger
	did    string
	client paho.Client
	rnd    *rand.Rand

	mu    sync.Mutex
	state *datapoint.Message // current values; Present all true

	appCount chan int
	stats    Stats
}

// Stats counts what the device sent and received.
type Stats struct {
	Reports, Replies, Acks, Writes, Reads, Raw uint64
}

// New prepares a device; Start brings it online.
func New(o Options) (*Device, error) {
	if o.Schema == nil || o.ProductKey == "" || o.HTTPURL == "" || o.MAC == "" {
		return nil, errors.New("devsim: HTTPURL, ProductKey, Schema and MAC are required")
	}
	if o.Keepalive == 0 {
		o.Keepalive = 120 * time.Second
	}
	if o.ProtocolVersion == 0 {
		o.ProtocolVersion = 3
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	seed := uint64(time.Now().UnixNano())
	d := &Device{o: o, rnd: rand.New(rand.NewPCG(seed, seed>>7)), appCount: make(chan int, 1)}
	if d.o.Passcode == "" {
		d.o.Passcode = randomPasscode(d.rnd)
	}
	d.state = initialState(o.Schema, d.rnd)
	return d, nil
}

// DID is the device's did once Start has registered it.
func (d *Device) DID() string { return d.did }

// Passcode is the device's passcode.
func (d *Device) Passcode() string { return d.o.Passcode }

// Start registers, connects, subscribes and sends a first full report.
func (d *Device) Start(ctx context.Context) error {
	did, err := register(ctx, d.o.HTTPURL, d.o.ProductKey, d.o.MAC, d.o.Passcode)
	if err != nil {
		return err
	}
	d.did = did
	d.log = d.o.Logger.With("did", did)
	addr := d.o.MQTTAddr
	if addr == "" {
		host, port, err := provision(ctx, d.o.HTTPURL, did)
		if err != nil {
			return err
		}
		addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	scheme := "tcp://"
	if d.o.TLSConfig != nil {
		scheme = "tls://"
	}
	opts := paho.NewClientOptions().
		AddBroker(scheme + addr).
		SetTLSConfig(d.o.TLSConfig).
		SetClientID(did).SetUsername(did).SetPassword(d.o.Passcode).
		SetProtocolVersion(d.o.ProtocolVersion).
		SetCleanSession(true).
		SetKeepAlive(d.o.Keepalive).
		SetAutoReconnect(d.o.AutoReconnect).
		SetConnectRetry(false).
		SetOrderMatters(true).
		SetOnConnectHandler(func(paho.Client) { d.log.Debug("device connected") })
	if d.o.AutoReconnect {
		// Subscriptions are gone with a clean session; make them again.
		opts.SetOnConnectHandler(func(c paho.Client) { _ = d.subscribe(context.Background()) })
	}
	d.client = paho.NewClient(opts)
	if err := wait(ctx, d.client.Connect()); err != nil {
		return fmt.Errorf("devsim: connect %s: %w", addr, err)
	}
	if !d.o.AutoReconnect {
		if err := d.subscribe(ctx); err != nil {
			d.client.Disconnect(0)
			return err
		}
	}
	return d.Report()
}

// subscribe makes GAgent's three subscriptions, one at a time.
func (d *Device) subscribe(ctx context.Context) error {
	topics := []string{"ser2cli_noti/" + d.o.ProductKey, "ser2cli_res/" + d.did, "app2dev/" + d.did + "/#"}
	for _, t := range topics {
		if err := wait(ctx, d.client.Subscribe(t, 0, d.onMessage)); err != nil {
			return fmt.Errorf("devsim: subscribe %s: %w", t, err)
		}
	}
	return nil
}

// Stop disconnects cleanly.
func (d *Device) Stop() {
	if d.client != nil {
		d.client.Disconnect(250)
	}
}

// Connected reports whether the MQTT session is up.
func (d *Device) Connected() bool { return d.client != nil && d.client.IsConnectionOpen() }

// Stats returns a copy of the counters.
func (d *Device) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Values returns the device's current datapoints as shown values.
func (d *Device) Values() map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]any)
	for i, f := range d.o.Schema.Fields() {
		out[f.Name] = d.o.Schema.Shown(i, d.state.Values[i])
	}
	return out
}

func wait(ctx context.Context, t paho.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func randomPasscode(r *rand.Rand) string {
	b := make([]byte, 10)
	for i := range b {
		b[i] = byte('A' + r.IntN(26))
	}
	return string(b)
}

// publish sends a P0 frame on dev2app/<did>[/<clientID>].
func (d *Device) publish(clientID string, f p0.Frame) {
	topic := "dev2app/" + d.did
	if clientID != "" {
		topic += "/" + clientID
	}
	d.client.Publish(topic, 0, false, p0.Append(nil, f))
}
