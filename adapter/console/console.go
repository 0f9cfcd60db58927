// Package console serves the web console: one HTML page at /app and its
// static assets under /console/, all embedded in the binary (no CDN, no
// second server, works offline). The page is a plain ES-module application
// that talks to the same APIs every other client uses: the Gizwits HTTP app
// API (/app/...), the realtime WebSocket (/ws/app/v1) and, for operators,
// /admin/v1. It has no API of its own beyond /console/config.json, which
// tells the page what to fill the login form with (Defaults).
//
// Paths are chosen so that nothing of the Gizwits app API changes: /app
// (exact, no trailing slash) was never an API route (the mux redirected it
// to /app/, whose catch-all answers 9045), and every asset lives under
// /console/, outside /app/. See docs/console.md.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// PagePath is where the console page is served; AssetPrefix is where its
// scripts and styles are.
const (
	PagePath    = "/app"
	AssetPrefix = "/console/"
)

//go:embed assets
var assets embed.FS

// csp allows only this origin's scripts, styles and connections: no inline
// script, no eval, no third-party anything. 'self' in connect-src covers
// ws:// and wss:// to the same host (CSP level 3), which the realtime
// socket needs.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

// Options configure the console.
type Options struct {
	// Defaults returns what the login form starts with. It is called per
	// request so it can change after the server started (the demo sets it
	// once its app exists).
	Defaults func() Defaults
}

// Defaults prefill the login form. Neither is a secret: an app id ships
// inside every Gizwits app, and a username without its password grants
// nothing. Passwords and tokens are never served.
type Defaults struct {
	AppID    string `json:"appid"`    // the demo's app, or --console-appid
	Username string `json:"username"` // the demo user under --demo
}

// Console serves the page and its assets.
type Console struct {
	o     Options
	files map[string]file // by path under assets/, e.g. "js/main.js"
}

type file struct {
	body  []byte
	ctype string
	etag  string
}

// New reads the embedded assets once and hashes them for ETags, so a
// browser revalidates cheaply and never runs a stale script after an
// upgrade.
func New(o Options) (*Console, error) {
	if o.Defaults == nil {
		o.Defaults = func() Defaults { return Defaults{} }
	}
	c := &Console{o: o, files: map[string]file{}}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		c.files[strings.TrimPrefix(p, "assets/")] = file{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Register adds GET /app, GET /console/config.json and GET /console/...
// to mux. GET patterns also answer HEAD.
func (c *Console) Register(mux *http.ServeMux) {
	for _, rt := range c.routes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.h)
	}
}

// RouteInfo is one endpoint, for tools that must cover every route (the
// security suite in server/securitytest). Every console route is public:
// the page and its assets hold no data, and config.json only the login
// form's defaults.
type RouteInfo struct{ Method, Path string }

// route is a table entry: the endpoint and its handler.
type route struct {
	RouteInfo
	h http.HandlerFunc
}

func (c *Console) routes() []route {
	return []route{
		{RouteInfo{"GET", PagePath}, c.page},
		{RouteInfo{"GET", AssetPrefix + "config.json"}, c.config},
		{RouteInfo{"GET", AssetPrefix + "{path...}"}, c.asset},
		// /console itself is a convenience for people who guess the name.
		{RouteInfo{"GET", "/console"}, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, PagePath, http.StatusFound)
		}},
	}
}

// Routes lists the endpoints, in table order.
func Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range (&Console{}).routes() {
		out = append(out, rt.RouteInfo)
	}
	return out
}

func (c *Console) page(w http.ResponseWriter, r *http.Request) {
	c.serve(w, r, "index.html")
}

func (c *Console) asset(w http.ResponseWriter, r *http.Request) {
	p := r.PathValue("path")
	if p == "index.html" || p == "" {
		http.Redirect(w, r, PagePath, http.StatusFound)
		return
	}
	c.serve(w, r, p)
}

func (c *Console) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := c.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	securityHeaders(w.Header())
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("ETag", f.etag)
	// Revalidate every time: the ETag makes that a 304, and an upgraded
	// binary never mixes old and new modules.
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(string(f.body)))
}

// config tells the page what the server knows that the user should not
// have to type (see Defaults: nothing secret).
func (c *Console) config(w http.ResponseWriter, _ *http.Request) {
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(c.o.Defaults())
}

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
}
