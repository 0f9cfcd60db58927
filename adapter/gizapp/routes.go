package gizapp

import "net/http"

// access is what a route checks before its handler runs.
type access int

const (
	public     access = iota // nothing (service info, the OpenAPI document)
	appAccess                // X-Gizwits-Application-Id names an app (9003)
	userAccess               // and X-Gizwits-User-token is a live user token (9004, 9006)
)

// handler is a route's own work, after the checks of its access level.
type handler func(a *API, w http.ResponseWriter, r *http.Request, c caller)

// route is one documented endpoint. path is both the Go 1.22 mux pattern's
// path and the OpenAPI path (the two share the {name} syntax).
type route struct {
	method, path string
	access       access
	// limited routes run password hashing or create rows for anyone who
	// knows an appid, so they are rate limited per client IP (9041).
	limited bool
	// limitedInHandler: the handler picks the budget once it has read the
	// body (createUser: anonymous sign-ins and sign-ups differ).
	limitedInHandler bool
	h                handler
}

// routes is the single table of endpoints; openapi_test.go compares it
// with the paths of openapi.json.
func (a *API) routes() []route {
	return []route{
		{method: "POST", path: "/app/users", access: appAccess, limited: true, limitedInHandler: true, h: (*API).createUser},
		{method: "POST", path: "/app/login", access: appAccess, limited: true, h: (*API).login},
		{method: "GET", path: "/app/users", access: userAccess, h: (*API).getUser},
		{method: "PUT", path: "/app/users", access: userAccess, h: (*API).updateUser},
		{method: "POST", path: "/app/request_token", access: appAccess, h: (*API).requestToken},
		{method: "GET", path: "/app/bindings", access: userAccess, h: (*API).listBindings},
		{method: "POST", path: "/app/bindings", access: userAccess, h: (*API).bindDevices},
		{method: "DELETE", path: "/app/bindings", access: userAccess, h: (*API).unbindDevices},
		{method: "PUT", path: "/app/bindings/{did}", access: userAccess, h: (*API).updateBinding},
		{method: "POST", path: "/app/bind_mac", access: userAccess, h: (*API).bindMAC},
		{method: "GET", path: "/app/devices/{did}", access: userAccess, h: (*API).getDevice},
		{method: "GET", path: "/app/devdata/{did}/latest", access: userAccess, h: (*API).latest},
		{method: "POST", path: "/app/control/{did}", access: userAccess, h: (*API).control},
		{method: "GET", path: "/app/datapoint", access: appAccess, h: (*API).datapoint},
		{method: "GET", path: "/app/openapi.json", access: public, h: (*API).openAPI},
		{method: "GET", path: "/status", access: public, h: (*API).status},
		{method: "GET", path: "/errors", access: public, h: (*API).errorList},
	}
}

// RouteInfo describes one endpoint for tools that must cover every route
// (the security suite in server/securitytest): a new route appears there
// without anyone remembering to list it.
type RouteInfo struct {
	Method, Path string
	// Access is "public", "app" (X-Gizwits-Application-Id) or "user"
	// (and X-Gizwits-User-token).
	Access string
	// Limited routes are rate limited per client IP (9041).
	Limited bool
}

// Routes lists the endpoints of the route table, in its order.
func Routes() []RouteInfo {
	names := map[access]string{public: "public", appAccess: "app", userAccess: "user"}
	var out []RouteInfo
	for _, rt := range (&API{}).routes() {
		out = append(out, RouteInfo{Method: rt.method, Path: rt.path, Access: names[rt.access], Limited: rt.limited})
	}
	return out
}
