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
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/clientaddr"
	"github.com/switchboard-iot/switchboard/store"
)

// Config is everything a node needs. Zero values take the defaults of
// `switchboard serve`.
type Config struct {
	// DataDir holds the SQLite database and the generated admin token.
	DataDir string
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
	PushPolicy core.PushPolicy
	Logger     *slog.Logger

	// Bus links this node to the others (bus/busopen opens --bus); nil
	// means an in-process bus: a single node. Shutdown closes it.
	Bus bus.Bus
	// Store is where the node keeps its data (store/storeopen opens
	// --store); it must also implement relay.Store. nil means SQLite in
	// DataDir, which the server opens and closes; a Store given here is
	// the caller's to close.
	Store store.Store
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
