// Package mqttgw is the device gateway: an embedded mochi-mqtt broker that
// authenticates devices by did and passcode, confines each to its own topics
// (notes §1.3), and turns their frames into calls on the core and the core's
// downlinks back into MQTT publishes.
package mqttgw

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/netlimit"
	"github.com/switchboard-iot/switchboard/metrics"
)

// Limits bound what one device connection may cost. The zero value takes
// the defaults documented in docs/operations.md.
type Limits struct {
	// MaxPacketSize is the largest MQTT packet accepted; a device sending a
	// larger one is disconnected. Default 65536: a P0 frame with the largest
	// binary datapoints seen (hundreds of bytes) fits many times over.
	MaxPacketSize uint32
	// WritesPending is how many outbound packets may wait for one device
	// before further ones are dropped (counted in queue_drops_total).
	// Default 64: devices receive a command at a time, not streams.
	WritesPending int32
	// ReadBufferSize and WriteBufferSize size each connection's buffers.
	// Default 1024 each: device frames are small.
	ReadBufferSize, WriteBufferSize int
	// MaxKeepalive (seconds) replaces a CONNECT keepalive of 0 or above it,
	// so a silent device is declared offline after 1.5 times this. Default
	// 600 (GAgent asks for 120).
	MaxKeepalive uint16
	// ConnectTimeout is how long a new connection may take to send its
	// CONNECT before it is closed (and counted as refused, no_connect).
	// Default 10 s: GAgent sends CONNECT as soon as TCP is up.
	ConnectTimeout time.Duration
	// MaxConns caps the device connections open at once, authenticated or
	// not; MaxConnsPerAddr caps them per client IP address. Beyond either
	// a connection is closed at accept, before CONNACK. 0 means the
	// default (100000 and 1000), less than 0 no cap.
	MaxConns, MaxConnsPerAddr int
}

func (l Limits) withDefaults() Limits {
	if l.MaxPacketSize == 0 {
		l.MaxPacketSize = 64 << 10
	}
	if l.WritesPending == 0 {
		l.WritesPending = 64
	}
	if l.ReadBufferSize == 0 {
		l.ReadBufferSize = 1024
	}
	if l.WriteBufferSize == 0 {
		l.WriteBufferSize = 1024
	}
	if l.MaxKeepalive == 0 {
		l.MaxKeepalive = 600
	}
	if l.ConnectTimeout <= 0 {
		l.ConnectTimeout = 10 * time.Second
	}
	if l.MaxConns == 0 {
		l.MaxConns = 100_000
	}
	if l.MaxConnsPerAddr == 0 {
		l.MaxConnsPerAddr = 1000
	}
	return l
}

// Options configure a Gateway.
type Options struct {
	Node    Core
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	Limits  Limits
	// TLSListener, if set, is a second socket served with TLSConfig
	// (MQTTS); the same limits apply to it, its caps counted apart.
	TLSListener net.Listener
	TLSConfig   *tls.Config
}

// Gateway is the running device gateway.
type Gateway struct {
	node    Core
	log     *slog.Logger
	metrics metrics.Adapter
	limits  Limits
	broker  *mqtt.Server
	ln      net.Listener
	tlsLn   net.Listener // nil without MQTTS

	mu      sync.Mutex
	current map[string]*session       // did -> the session that owns it now
	ending  map[string][]*pendingConn // did -> ended sessions whose handler has not returned (takeover.go)
	devices bus.SubjectSet            // down and control subjects of this node's devices
}

// New prepares a gateway on a listener the caller bound.
func New(ln net.Listener, o Options) (*Gateway, error) {
	if o.Node == nil || o.Metrics == nil {
		return nil, errors.New("mqttgw: Node and Metrics are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	lim := o.Limits.withDefaults()
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = lim.MaxPacketSize
	caps.MaximumClientWritesPending = lim.WritesPending
	caps.MaximumSessionExpiryInterval = 0 // devices use clean sessions; keep nothing after they leave
	caps.MaximumInflight = 64
	caps.ReceiveMaximum = 16
	// What a device may do is decided in hook.go, connect.go, publish.go
	// and topics.go; docs/protocol-gizwits.md "Authorization of every MQTT
	// path" has the reasons.
	caps.TopicAliasMaximum = topicAliasMaximum
	caps.RetainAvailable = 0    // nothing a device sends is kept for later subscribers
	caps.SharedSubAvailable = 0 // advertised in CONNACK; $share filters fail the ACL
	// mochi would copy a PUBLISH's properties into its PUBACK, and with them
	// put "granted QoS 1" (0x01, not a PUBACK code) on the wire.
	caps.Compatibilities.NoInheritedPropertiesOnAck = true
	g := &Gateway{
		node:    o.Node,
		log:     o.Logger.With("adapter", "mqtt"),
		metrics: o.Metrics.Adapter("mqtt"),
		limits:  lim,
		ln:      ln,
		tlsLn:   o.TLSListener,
		current: make(map[string]*session),
		ending:  make(map[string][]*pendingConn),
	}
	g.broker = mqtt.New(&mqtt.Options{
		Capabilities:             caps,
		ClientNetReadBufferSize:  lim.ReadBufferSize,
		ClientNetWriteBufferSize: lim.WriteBufferSize,
		InlineClient:             true, // the gateway publishes downlinks itself
		Logger:                   o.Logger.With("adapter", "mqtt", "component", "broker"),
	})
	if err := g.broker.AddHook(&hook{g: g}, nil); err != nil {
		return nil, err
	}
	if err := g.broker.AddHook(&limitsHook{g: g}, nil); err != nil {
		return nil, err
	}
	if ln != nil {
		if err := g.addListener("devices", "mqtt", ln, nil, o.Metrics); err != nil {
			return nil, err
		}
	}
	if o.TLSListener != nil {
		if o.TLSConfig == nil {
			return nil, errors.New("mqttgw: TLSListener needs a TLSConfig")
		}
		if err := g.addListener("devices-tls", "mqtts", o.TLSListener, o.TLSConfig, o.Metrics); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// addListener hands mochi one socket, capped by netlimit and, with
// tlsConfig, wrapped in TLS over the caps (a refused connection costs no
// handshake). name labels its metrics.
func (g *Gateway) addListener(id, name string, ln net.Listener, tlsConfig *tls.Config, m *metrics.Metrics) error {
	acceptError, refused := m.Listener(name)
	var served net.Listener = netlimit.New(ln, netlimit.Options{
		Name: name, MaxConns: g.limits.MaxConns, MaxConnsPerAddr: g.limits.MaxConnsPerAddr,
		Logger: g.log, AcceptError: acceptError, Refused: refused,
	})
	if tlsConfig != nil {
		served = tls.NewListener(served, tlsConfig)
	}
	return g.broker.AddListener(&boundListener{id: id, ln: served, log: g.log,
		connectTimeout: g.limits.ConnectTimeout, refused: refused, conns: make(map[*pendingConn]struct{})})
}

// Start subscribes to downlinks and controls and starts accepting devices.
// The subscription is a subject set that holds the down and control
// subjects of the devices with a session here (hook.go adds and removes
// them), so a node receives no other device's commands.
func (g *Gateway) Start() error {
	set, err := g.node.Bus().SubscribeSet(g.onDeviceSubject)
	if err != nil {
		return err
	}
	g.devices = set
	return g.broker.Serve()
}

// onDeviceSubject routes a message of one of this node's devices.
func (g *Gateway) onDeviceSubject(subject string, data []byte) {
	switch {
	case strings.HasSuffix(subject, ".down"):
		g.onDownlink(subject, data)
	case strings.HasSuffix(subject, ".ctl"):
		g.onControl(subject, data)
	}
}

// watchDevice puts a session's device subjects in the set before the
// device is announced online, so a command sent on seeing it online finds
// this node subscribed; one reference per session.
func (g *Gateway) watchDevice(did string) {
	for _, subject := range []string{core.SubjectDown(did), core.SubjectControl(did)} {
		if err := g.devices.Add(subject); err != nil {
			g.log.Warn("subscribe device subject", "did", did, "err", err)
		}
	}
}

func (g *Gateway) unwatchDevice(did string) {
	g.devices.Remove(core.SubjectDown(did))
	g.devices.Remove(core.SubjectControl(did))
}

// Addr is the address devices connect to over plain MQTT (nil when off).
func (g *Gateway) Addr() net.Addr {
	if g.ln == nil {
		return nil
	}
	return g.ln.Addr()
}

// TLSAddr is the MQTTS address (nil without MQTTS).
func (g *Gateway) TLSAddr() net.Addr {
	if g.tlsLn == nil {
		return nil
	}
	return g.tlsLn.Addr()
}

// Close disconnects every device (each goes offline) and stops the broker.
func (g *Gateway) Close() error {
	if g.devices != nil {
		_ = g.devices.Unsubscribe()
	}
	return g.broker.Close()
}

// Sessions is the number of device sessions this gateway holds.
func (g *Gateway) Sessions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.current)
}

// onDownlink publishes a core downlink to the device, if its session is here.
// Every node's gateway sees every downlink; those for devices connected
// elsewhere are ignored.
func (g *Gateway) onDownlink(_ string, data []byte) {
	var d core.Downlink
	if err := json.Unmarshal(data, &d); err != nil {
		g.log.Error("bad downlink on bus", "err", err)
		return
	}
	if g.sessionFor(d.DID) == nil {
		return
	}
	if err := g.broker.Publish(topicDownlink+d.DID+"/"+d.ClientID, d.Frame, false, 0); err != nil {
		g.log.Warn("publish downlink", "did", d.DID, "err", err)
		return
	}
	g.metrics.Out.Inc()
}

// onControl closes a device's session on request (disabled, deleted,
// registered again).
func (g *Gateway) onControl(_ string, data []byte) {
	var c core.Control
	if err := json.Unmarshal(data, &c); err != nil {
		g.log.Error("bad control on bus", "err", err)
		return
	}
	if c.Kind == core.ControlTakenOver {
		g.takenOver(c)
		return
	}
	if c.Kind != core.ControlDisconnect {
		return
	}
	// Only sessions that existed when the control was issued: a newer one
	// was opened with credentials valid after it.
	if s := g.sessionFor(c.DID); s != nil && s.since.Before(c.IssuedAt) {
		g.log.Info("closing device session", "did", c.DID, "reason", c.Reason)
		s.client.Stop(errors.New(c.Reason))
	}
}

func (g *Gateway) sessionFor(did string) *session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.current[did]
}

// ctx for hook calls, which mochi makes without one.
func hookContext() context.Context { return context.Background() }
