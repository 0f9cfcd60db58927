// Package admin is the operator API under /admin/v1: products, applications,
// devices and Aqara-style partners. Every call needs "Authorization: Bearer <admin token>".
package admin

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"github.com/switchboard-iot/switchboard/partners"
	"log/slog"
	"net/http"
	"strings"

	"github.com/switchboard-iot/switchboard/adminapi"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/httpjson"
	"github.com/switchboard-iot/switchboard/metrics"
)

// maxBody bounds request bodies; a product definition with hundreds of
// datapoints is well under it.
const maxBody = 1 << 20

// Options configure the API.
type Options struct {
	Node Core
	// Store answers the list endpoints (products, apps, devices).
	Store Listings
	// Partners serves the /admin/v1/partners endpoints.
	Partners Partners
	Token    string
	Logger   *slog.Logger
	Metrics  *metrics.Metrics
	// Interconnect is the relay whose pairs GET /admin/v1/interconnect/pairs
	// lists; nil answers 503 there.
	Interconnect Relay
}

// API serves /admin/v1.
type API struct {
	node     Core
	store    Listings
	partners Partners
	token    []byte
	log      *slog.Logger
	metrics  metrics.Adapter
	ic       Relay
}

// New returns the API; Token must not be empty.
func New(o Options) (*API, error) {
	if o.Token == "" {
		return nil, errors.New("admin: empty token")
	}
	if o.Node == nil || o.Store == nil || o.Partners == nil {
		return nil, errors.New("admin: Node, Store and Partners are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &API{node: o.Node, store: o.Store, partners: o.Partners, token: []byte(o.Token),
		log: o.Logger.With("adapter", "admin"), metrics: o.Metrics.Adapter("admin"), ic: o.Interconnect}, nil
}

// route is one endpoint; every one needs the admin token.
type route struct {
	method, path string
	h            http.HandlerFunc
}

// routes is the single table of endpoints.
func (a *API) routes() []route {
	return []route{
		{"POST", "/admin/v1/products", a.createProduct},
		{"GET", "/admin/v1/products", a.listProducts},
		{"GET", "/admin/v1/products/{key}", a.getProduct},
		{"POST", "/admin/v1/apps", a.createApp},
		{"GET", "/admin/v1/apps", a.listApps},
		{"GET", "/admin/v1/apps/{appid}", a.getApp},
		{"POST", "/admin/v1/devices", a.registerDevice},
		{"GET", "/admin/v1/devices", a.listDevices},
		{"GET", "/admin/v1/devices/{did}", a.getDevice},
		{"DELETE", "/admin/v1/devices/{did}", a.deleteDevice},
		{"POST", "/admin/v1/devices/{did}/disable", a.setDisabled(true)},
		{"POST", "/admin/v1/devices/{did}/enable", a.setDisabled(false)},
		{"POST", "/admin/v1/devices/{did}/control", a.control},
		{"DELETE", "/admin/v1/users/{uid}/tokens", a.revokeUserTokens},
		{"POST", "/admin/v1/partners", a.createPartner},
		{"GET", "/admin/v1/partners", a.listPartners},
		{"GET", "/admin/v1/partners/{appid}", a.getPartner},
		{"PUT", "/admin/v1/partners/{appid}", a.updatePartner},
		{"POST", "/admin/v1/partners/{appid}/disable", a.setPartnerSuspended(true)},
		{"POST", "/admin/v1/partners/{appid}/enable", a.setPartnerSuspended(false)},
		{"POST", "/admin/v1/partners/{appid}/push/enable", a.resumePushes},
		{"GET", "/admin/v1/partners/{appid}/pushes/failed", a.failedPushes},
		{"GET", "/admin/v1/partners/{appid}/auth-codes", a.authCodes},
		{"GET", "/admin/v1/interconnect/pairs", a.listInterconnectPairs},
		// Anything else under /admin/ is a JSON 404, not the mux's text one.
		{"", "/admin/", a.notFound},
	}
}

// Register adds the routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.routes() {
		pattern := rt.path
		if rt.method != "" {
			pattern = rt.method + " " + rt.path
		}
		mux.Handle(pattern, a.auth(rt.h))
	}
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "not_found", "no such admin endpoint: "+r.Method+" "+r.URL.Path)
}

// RouteInfo is one endpoint (Method "" matches every method), for tools
// that must cover every route (the security suite in server/securitytest).
type RouteInfo struct{ Method, Path string }

// Routes lists the endpoints of the route table, in its order. All of them
// need the admin token.
func Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range (&API{}).routes() {
		out = append(out, RouteInfo{Method: rt.method, Path: rt.path})
	}
	return out
}

// auth checks the bearer token in constant time.
func (a *API) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.metrics.In.Inc()
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(tok), a.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard admin"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "a valid admin bearer token is required")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next(w, r)
	})
}

// writeError answers every admin error: {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, adminapi.ErrorBody{Error: adminapi.ErrorDetail{Code: code, Message: msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// coreError maps a core error to a status and code.
func (a *API) coreError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, core.ErrUserNotFound):
		writeError(w, http.StatusNotFound, "user_not_found", "no such user")
	case errors.Is(err, core.ErrDeviceNotFound):
		writeError(w, http.StatusNotFound, "device_not_found", "no such device")
	case errors.Is(err, partners.ErrPartnerNotFound):
		writeError(w, http.StatusNotFound, "partner_not_found", "no such partner")
	case errors.Is(err, core.ErrProductNotFound):
		writeError(w, http.StatusNotFound, "product_not_found", "no such product")
	case errors.Is(err, core.ErrAppNotFound):
		writeError(w, http.StatusBadRequest, "app_not_found", "no such application")
	case errors.Is(err, core.ErrInvalidSchema):
		writeError(w, http.StatusUnprocessableEntity, "invalid_schema", schemaDetail(err))
	case errors.Is(err, core.ErrInvalidInput):
		writeError(w, http.StatusBadRequest, "invalid_input", orDefault(core.Detail(err), "invalid input"))
	case errors.Is(err, core.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", "already exists")
	case errors.Is(err, core.ErrDeviceOffline):
		writeError(w, http.StatusConflict, "device_offline", "the device is offline")
	case errors.Is(err, core.ErrDeviceDisabled):
		writeError(w, http.StatusConflict, "device_disabled", "the device is disabled")
	default:
		a.log.Error("admin request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "internal error; see the server log")
	}
}

// decode reads a JSON body into v (exactly one value, numbers as
// json.Number), answering 400 invalid_json on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpjson.ReadDecode(w, r, maxBody, v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_json", err.Error())
		return false
	}
	return true
}
