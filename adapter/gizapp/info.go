package gizapp

import (
	_ "embed"
	"errors"
	"net/http"
	"runtime/debug"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
)

// openAPIDoc describes every route of routes.go; openapi_test.go keeps the
// two equal.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI: GET /app/openapi.json, the API's OpenAPI 3 document.
func (a *API) openAPI(w http.ResponseWriter, _ *http.Request, _ caller) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

// status: GET /status -> {"status":{"version"}}. It and /errors answer
// without an appid, unlike the vendor's, because they reveal nothing about
// any app and monitoring should not need one.
func (a *API) status(w http.ResponseWriter, _ *http.Request, _ caller) {
	writeJSON(w, http.StatusOK, map[string]any{"status": map[string]string{"version": a.o.Version}})
}

// errorEntry is one element of GET /errors.
type errorEntry struct {
	Status       int         `json:"status"`
	ErrorCode    gizerr.Code `json:"error_code"`
	ErrorMessage string      `json:"error_message"`
}

// errorList: GET /errors -> every code Switchboard emits.
func (a *API) errorList(w http.ResponseWriter, _ *http.Request, _ caller) {
	codes := gizerr.All()
	out := make([]errorEntry, 0, len(codes))
	for _, c := range codes {
		out = append(out, errorEntry{Status: c.Status(), ErrorCode: c, ErrorMessage: c.Message()})
	}
	writeJSON(w, http.StatusOK, out)
}

// datapoint: GET /app/datapoint?product_key= -> the product definition as
// it was uploaded. The vendor limits this to "super" appids tied to the
// product; Switchboard has no such tie, so any app may read definitions
// (they hold no secrets).
func (a *API) datapoint(w http.ResponseWriter, r *http.Request, _ caller) {
	key := r.URL.Query().Get("product_key")
	if key == "" {
		gizerr.Write(w, gizerr.FormInvalid, "product_key is required")
		return
	}
	p, err := a.node.Product(r.Context(), key)
	if errors.Is(err, core.ErrProductNotFound) {
		gizerr.Write(w, gizerr.ProductKeyInvalid, "")
		return
	}
	if err != nil {
		a.internal(w, "get product", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(p.Schema)
}

// buildVersion is the module version the binary was built from.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "dev"
}
