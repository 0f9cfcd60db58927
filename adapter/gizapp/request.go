package gizapp

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/httpjson"
	"github.com/switchboard-iot/switchboard/store"
)

// Request headers of the Gizwits Open API (notes §5.1). Go canonicalises
// header names, so X-Gizwits-User-Token works as well.
const (
	hdrAppID     = "X-Gizwits-Application-Id"
	hdrUserToken = "X-Gizwits-User-token"
	hdrAppAuth   = "X-Gizwits-Application-Auth"
	hdrTimestamp = "X-Gizwits-Timestamp"
	hdrSignature = "X-Gizwits-Signature"
)

// maxBody bounds request bodies: the largest real one, a control with a
// few binary datapoints, is well under a kilobyte.
const maxBody = 64 << 10

// caller is who a request acts for, as far as its route checked.
type caller struct {
	appID string
	user  store.User // zero unless the route has userAccess
}

// wrap runs the checks every route shares, in the order that costs least
// for a refused request: CORS headers, rate limit, appid, user token.
func (a *API) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.metrics.In.Inc()
		defer a.metrics.Out.Inc()
		setRequestID(w, r)
		a.cors.allowOrigin(w, r)
		w.Header().Set("Content-Type", "application/json")
		if rt.limited && !rt.limitedInHandler && !a.limits.login.allow(r.Context(), clientIP(r)) {
			w.Header().Set("Retry-After", "1")
			gizerr.Write(w, gizerr.Throttled, "too many requests from this address")
			return
		}
		var c caller
		if rt.access >= appAccess {
			c.appID = r.Header.Get(hdrAppID)
			if !a.checkApp(w, r, c.appID) {
				return
			}
		}
		if rt.access >= userAccess {
			u, err := a.node.UserByToken(r.Context(), c.appID, r.Header.Get(hdrUserToken))
			switch {
			case errors.Is(err, core.ErrTokenExpired):
				gizerr.Write(w, gizerr.TokenExpired, "")
				return
			case errors.Is(err, core.ErrTokenInvalid):
				gizerr.Write(w, gizerr.TokenInvalid, "")
				return
			case err != nil:
				a.internal(w, "authenticate user token", err)
				return
			}
			c.user = u
		}
		rt.h(a, w, r, c)
	})
}

// checkApp answers 9003 unless appID names an application.
func (a *API) checkApp(w http.ResponseWriter, r *http.Request, appID string) bool {
	if appID == "" || len(appID) > 64 {
		gizerr.Write(w, gizerr.AppIDInvalid, "X-Gizwits-Application-Id missing or malformed")
		return false
	}
	_, err := a.node.App(r.Context(), appID)
	switch {
	case errors.Is(err, core.ErrAppNotFound):
		gizerr.Write(w, gizerr.AppIDInvalid, "")
		return false
	case err != nil:
		a.internal(w, "look up app", err)
		return false
	}
	return true
}

// unsupported answers paths under /app/ that Switchboard does not serve.
func (a *API) unsupported(w http.ResponseWriter, r *http.Request, _ caller) {
	gizerr.Write(w, gizerr.MethodNotAllowedErr, "not supported: "+r.Method+" "+r.URL.Path)
}

// internal logs an unexpected error and answers 9008 without details.
func (a *API) internal(w http.ResponseWriter, what string, err error) {
	a.log.Error(what, "request", requestID(w), "err", err)
	gizerr.Write(w, gizerr.ServerError, "")
}

// writeJSON answers with status and v as compact JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readBody reads a bounded request body; on failure it has answered 9015.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := httpjson.Read(w, r, maxBody)
	if err != nil {
		a.metrics.DecodeErrors.Inc()
		if he := (*httpjson.Error)(nil); errors.As(err, &he) && he.Unread {
			a.log.Info("reading request body", "request", requestID(w), "err", errors.Unwrap(err))
		}
		gizerr.Write(w, gizerr.FormInvalid, err.Error())
		return nil, false
	}
	return body, true
}

// decodeBody reads the body into v with httpjson.Decode; on failure it has
// answered 9015 and counted a decode error.
func (a *API) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := a.readBody(w, r)
	if !ok {
		return false
	}
	if err := httpjson.Decode(body, v); err != nil {
		a.formError(w, err)
		return false
	}
	return true
}

// formError answers 9015 for a body that does not parse.
func (a *API) formError(w http.ResponseWriter, err error) {
	a.metrics.DecodeErrors.Inc()
	gizerr.Write(w, gizerr.FormInvalid, err.Error())
}

// host is the host announced in device objects.
func (a *API) host(r *http.Request) string {
	if a.o.PublicHost != "" {
		return a.o.PublicHost
	}
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		return h
	}
	return r.Host
}

// clientIP is the rate-limit key: the peer address, or the client's when
// the peer is a trusted proxy (server rewrites RemoteAddr then; see
// internal/clientaddr). Forwarded headers from other peers are ignored.
func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
