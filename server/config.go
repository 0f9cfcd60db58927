// Package server assembles one Switchboard node from its parts: store, bus,
// core and adapters. cmd/switchboard and the tests both start nodes through
// it, so what the tests exercise is what operators run.
package server

import (
	"log/slog"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/aqara"
	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/internal/clientaddr"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// Config is everything a node needs. Zero values take the defaults of
// `switchboard serve`.
type Config struct {
	// DataDir holds the SQLite database (unless Store is set), the
	// generated admin token, node id and certificate, and the lock that
	// keeps a second node off the same dir.
	DataDir string
	// Store and Bus replace the defaults, a SQLite database in DataDir and
	// an in-process bus (a single node), so tests and other backends plug
	// in without code changes (PostgreSQL; NATS, which bus/busopen opens
	// from --bus). Whoever opened them owns them: the node uses them from
	// Start to the end of Shutdown and closes neither; the caller closes
	// them after Shutdown has returned (a node closes only what it opened).
	// Store must also keep the partner domain's and the relay's state
	// (partners.Store, relay.Store), as the SQLite store does.
	Store store.Store
	Bus   bus.Bus
	// HTTPAddr and MQTTAddr are listen addresses (":0" picks a free port);
	// Off turns a plain listener off.
	HTTPAddr, MQTTAddr string
	// HTTPSAddr (HTTPS and WSS) and MQTTSAddr are the TLS listen addresses;
	// empty or Off means none. Unlike the plain ones they default to off
	// here, so a library caller opts in; `switchboard serve` defaults them
	// to :8443 and :8883 (tls.go).
	HTTPSAddr, MQTTSAddr string
	// TLSCertFile and TLSKeyFile are the operator's PEM pair; both empty
	// means a self-signed pair generated once in DataDir (tls-cert.pem,
	// tls-key.pem).
	TLSCertFile, TLSKeyFile string
	// NodeID names this node among nodes sharing a store; empty means
	// generate one on first start and keep it in DataDir/node-id. It must
	// not change across restarts: a start ends the device sessions of the
	// node's previous life by it.
	NodeID string
	// NodeLease bounds how long this node's devices stay online after it
	// dies without ending their sessions (another node ends them); zero
	// means core.DefaultNodeLease.
	NodeLease time.Duration
	// AdminToken authenticates /admin/v1; empty means generate one on first
	// start and keep it in DataDir/admin-token.
	AdminToken string
	// PublicHost is the host devices and apps are told to connect to; empty
	// means the host they used to reach the HTTP API.
	PublicHost string
	// PublicWSPort and PublicWSSPort are the WebSocket ports announced to
	// apps in device objects (ws_port, wss_port); 0 means the bound port:
	// HTTP for ws_port, HTTPS for wss_port (each falls back to the other
	// when its own listener is off).
	PublicWSPort, PublicWSSPort int
	// PublicMQTTTLSPort is announced as port_s; 0 means the MQTTS port (the
	// MQTT port without MQTTS).
	PublicMQTTTLSPort int
	// AllowedOrigins admit browser pages for CORS and WebSocket upgrades;
	// empty means ["*"] (tokens are bearer tokens, not cookies, so other
	// origins gain nothing a script could not do itself).
	AllowedOrigins []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// Forwarded and X-Forwarded-Host are believed (internal/clientaddr);
	// the zero value believes no one.
	TrustedProxies clientaddr.Trusted
	// TokenTTL is the lifetime of app user tokens (default 7 days).
	TokenTTL time.Duration
	// ConsoleAppID is the application id the web console's login form
	// starts with; empty leaves it to the user (the demo sets its own).
	ConsoleAppID string
	// MQTTLimits bound each device connection.
	MQTTLimits mqttgw.Limits
	// HTTPLimits bound each HTTP connection (httplimits.go).
	HTTPLimits HTTPLimits
	// Push tunes partner push delivery (timeouts, back-off, horizon);
	// PushPolicy the failure rule that suspends a partner's pushes.
	Push       aqara.PushOptions
	PushPolicy partners.PushPolicy
	Logger     *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	if c.MQTTAddr == "" {
		c.MQTTAddr = ":1883"
	}
	if len(c.AllowedOrigins) == 0 {
		c.AllowedOrigins = []string{"*"}
	}
	c.HTTPLimits = c.HTTPLimits.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
