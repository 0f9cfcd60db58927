// Package gizapp is the Gizwits HTTP app API (/app/...): accounts, tokens,
// bindings, latest state and control, for unchanged Gizwits clients (the
// wechat JS SDK, GizwitsJS, pyGizwits, ha-bestway). Request and reply shapes
// follow notes §5; every error is a Gizwits error body (adapter/gizerr).
//
// The routes live in one table (routes.go) so the OpenAPI document served at
// /app/openapi.json can be checked against what is actually registered.
package gizapp

import (
	"log/slog"
	"net/http"

	"github.com/switchboard-iot/switchboard/metrics"
)

// Options configure the API.
type Options struct {
	Node    Core
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// PublicHost is the host announced in device objects; empty means the
	// host the client used to reach this server.
	PublicHost string
	// Ports announced in device objects: MQTT (port), MQTT over TLS
	// (port_s), WebSocket (ws_port) and WebSocket over TLS (wss_port).
	MQTTPort, MQTTTLSPort, WSPort, WSSPort int
	// AllowedOrigins are the browser origins CORS admits; "*" admits any.
	AllowedOrigins []string
	// Version is reported by GET /status; empty means the module version
	// from the build info.
	Version string
	// Limits keeps the login and sign-in budgets across the nodes sharing
	// the store (sharedlimit.go); nil keeps them in this node alone.
	Limits Limits
}

// API serves /app/..., /status and /errors.
type API struct {
	o       Options
	node    Core
	log     *slog.Logger
	metrics metrics.Adapter
	cors    corsPolicy
	limits  *budgets // logins and sign-ins (ratelimit.go, sharedlimit.go)
}

// New returns the API.
func New(o Options) *API {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	if o.Version == "" {
		o.Version = buildVersion()
	}
	log := o.Logger.With("adapter", "gizapp")
	return &API{
		o:       o,
		node:    o.Node,
		log:     log,
		metrics: o.Metrics.Adapter("gizapp"),
		cors:    newCORSPolicy(o.AllowedOrigins),
		limits:  newBudgets(o.Limits, log),
	}
}

// Register adds the routes to mux: the table of routes.go, CORS preflights,
// and a JSON 9045 answer for every other path under /app/ (clients such as
// GizwitsJS call groups and scenes right after login and handle a Gizwits
// error body, not the mux's text 404).
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.routes() {
		mux.Handle(rt.method+" "+rt.path, a.wrap(rt))
	}
	for _, p := range []string{"/app/", "/status", "/errors"} {
		mux.HandleFunc("OPTIONS "+p, a.preflight)
		mux.Handle(p, a.wrap(route{path: p, access: public, h: (*API).unsupported}))
	}
}
