// Package devhttp is the device bootstrap ("GService") a GAgent-class module
// calls over plain HTTP before MQTT (notes §1.1): register, ask where the
// MQTT broker is, and unregister. Replies are form-encoded because that is
// what the firmware parses.
package devhttp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/metrics"
)

// maxForm bounds a bootstrap request body; the real ones are ~80 bytes.
const maxForm = 4 << 10

// Options configure the handler.
type Options struct {
	Node    Core
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// MQTTHost is the host devices are told to connect to; empty means the
	// host the device used to reach this HTTP server.
	MQTTHost string
	// MQTTPort and MQTTTLSPort are the ports announced (TLS 0 = none).
	MQTTPort, MQTTTLSPort int
}

// Handler serves /dev/devices.
type Handler struct {
	o       Options
	log     *slog.Logger
	metrics metrics.Adapter
}

// New returns the handler.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Handler{o: o, log: o.Logger.With("adapter", "devhttp"), metrics: o.Metrics.Adapter("devhttp")}
}

// RouteInfo is one endpoint, for tools that must cover every route (the
// security suite in server/securitytest).
type RouteInfo struct{ Method, Path string }

// route is a table entry: the endpoint and its handler.
type route struct {
	RouteInfo
	h http.HandlerFunc
}

// routes is the single table of endpoints. Register and provision need no
// credentials (a GAgent has none yet); unregister needs the passcode.
func (h *Handler) routes() []route {
	return []route{
		{RouteInfo{"POST", "/dev/devices"}, h.register},
		{RouteInfo{"GET", "/dev/devices/{did}"}, h.provision},
		{RouteInfo{"DELETE", "/dev/devices"}, h.unregister},
	}
}

// Routes lists the endpoints, in table order.
func Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range (&Handler{}).routes() {
		out = append(out, rt.RouteInfo)
	}
	return out
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, rt := range h.routes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.h)
	}
}

// form reads the urlencoded body. net/http parses bodies only for POST,
// PUT and PATCH, and GAgent's unregister is a DELETE with a form body, so
// the body is parsed here for every method.
func (h *Handler) form(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxForm))
	var v url.Values
	if err == nil {
		v, err = url.ParseQuery(string(body))
	}
	if err != nil {
		h.metrics.DecodeErrors.Inc()
		h.log.Info("device form refused", "remote", r.RemoteAddr, "err", err)
		gizerr.Write(w, gizerr.FormInvalid, "body is not a form of at most 4 KiB")
		return nil, false
	}
	return v, true
}

// register: POST /dev/devices, form product_key, mac, passcode -> 201 did=<did>.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	h.metrics.In.Inc()
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	d, created, err := h.o.Node.RegisterDevice(r.Context(), f.Get("product_key"), f.Get("mac"), f.Get("passcode"))
	switch {
	case errors.Is(err, core.ErrProductNotFound):
		gizerr.Write(w, gizerr.ProductKeyInvalid, "unknown product_key")
		return
	case errors.Is(err, core.ErrInvalidInput):
		gizerr.Write(w, gizerr.FormInvalid, core.Detail(err))
		return
	case err != nil:
		h.log.Error("register device", "err", err)
		gizerr.Write(w, gizerr.ServerError, "")
		return
	}
	h.log.Info("device registered", "did", d.DID, "product_key", d.ProductKey, "mac", d.MAC, "new", created)
	h.reply(w, http.StatusCreated, url.Values{"did": {d.DID}})
}

// provision: GET /dev/devices/{did} -> where the MQTT broker is.
func (h *Handler) provision(w http.ResponseWriter, r *http.Request) {
	h.metrics.In.Inc()
	did := r.PathValue("did")
	if _, err := h.o.Node.Device(r.Context(), did); err != nil {
		if errors.Is(err, core.ErrDeviceNotFound) {
			gizerr.Write(w, gizerr.DeviceNotFound, "")
			return
		}
		h.log.Error("provision device", "did", did, "err", err)
		gizerr.Write(w, gizerr.ServerError, "")
		return
	}
	host := h.o.MQTTHost
	if host == "" {
		host = requestHost(r)
	}
	v := url.Values{
		"host":      {host},
		"port":      {strconv.Itoa(h.o.MQTTPort)},
		"server_ts": {strconv.FormatInt(time.Now().Unix(), 10)},
	}
	if h.o.MQTTTLSPort > 0 {
		v.Set("port_s", strconv.Itoa(h.o.MQTTTLSPort))
	}
	h.reply(w, http.StatusOK, v)
}

// unregister: DELETE /dev/devices, form did, passcode.
func (h *Handler) unregister(w http.ResponseWriter, r *http.Request) {
	h.metrics.In.Inc()
	f, ok := h.form(w, r)
	if !ok {
		return
	}
	err := h.o.Node.UnregisterDevice(r.Context(), f.Get("did"), f.Get("passcode"))
	switch {
	case errors.Is(err, core.ErrBadCredentials):
		gizerr.Write(w, gizerr.DIDPasscodeInvalid, "")
		return
	case err != nil:
		h.log.Error("unregister device", "err", err)
		gizerr.Write(w, gizerr.ServerError, "")
		return
	}
	h.log.Info("device unregistered", "did", f.Get("did"))
	h.reply(w, http.StatusOK, url.Values{"did": {f.Get("did")}})
}

func (h *Handler) reply(w http.ResponseWriter, status int, v url.Values) {
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	w.WriteHeader(status)
	fmt.Fprint(w, v.Encode())
	h.metrics.Out.Inc()
}

// requestHost is the host part of the request's Host header.
func requestHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.Host); err == nil {
		return host
	}
	return r.Host
}
