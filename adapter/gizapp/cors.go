package gizapp

import (
	"net/http"
	"strings"
)

// Browser clients (the wechat JS SDK, GizwitsJS) call this API from other
// origins with custom headers, so every call is preceded by a preflight
// (notes §5.1, §7.1: without these answers the SDK stops at init).
const (
	corsMethods = "GET, POST, PUT, DELETE, OPTIONS"
	corsHeaders = "Content-Type, X-Gizwits-Application-Id, X-Gizwits-User-token, " +
		"X-Gizwits-Timestamp, X-Gizwits-Signature, X-Gizwits-Application-Auth, X-Request-Id"
	// corsMaxAge lets a browser skip the preflight for ten minutes
	// (Chromium caps it at two hours anyway).
	corsMaxAge = "600"
)

// corsPolicy decides which origins may read replies.
type corsPolicy struct {
	any     bool
	origins map[string]bool
}

func newCORSPolicy(allowed []string) corsPolicy {
	p := corsPolicy{origins: make(map[string]bool)}
	for _, o := range allowed {
		if o == "*" {
			p.any = true
		}
		p.origins[strings.TrimRight(o, "/")] = true
	}
	return p
}

// allowOrigin sets Access-Control-Allow-Origin when the request comes from
// an allowed origin and reports whether it did. A disallowed origin gets no
// CORS headers, so the browser withholds the reply from the page.
func (p corsPolicy) allowOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	h := w.Header()
	switch {
	case p.any:
		// Tokens travel in headers, not cookies, so "*" grants a page
		// nothing its own script could not do.
		h.Set("Access-Control-Allow-Origin", "*")
	case p.origins[origin]:
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	default:
		return false
	}
	// A page may read the request id to quote it in a bug report.
	h.Set("Access-Control-Expose-Headers", hdrRequestID)
	return true
}

// preflight answers OPTIONS for every path of the API with 204.
func (a *API) preflight(w http.ResponseWriter, r *http.Request) {
	if a.cors.allowOrigin(w, r) {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", corsMethods)
		h.Set("Access-Control-Allow-Headers", corsHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
	}
	w.Header().Set("Allow", corsMethods)
	w.WriteHeader(http.StatusNoContent)
}
