package gizapp

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
)

// bindMAC: POST /app/bind_mac {"product_key","mac","remark"?,"dev_alias"?,
// "set_owner"?} signed for the product -> 201 with the device object.
//
// The signature proves the app was built by the product's maker (it holds
// the product secret); knowing a MAC alone does not bind a device. The
// checks run cheapest first, and the device lookup comes after the
// signature so unsigned callers cannot probe which MACs exist.
func (a *API) bindMAC(w http.ResponseWriter, r *http.Request, c caller) {
	var req struct {
		ProductKey string          `json:"product_key"`
		MAC        string          `json:"mac"`
		Remark     string          `json:"remark"`
		Alias      string          `json:"dev_alias"`
		SetOwner   json.RawMessage `json:"set_owner"` // sharing is not modelled; accepted and ignored
	}
	if !a.decodeBody(w, r, &req) {
		return
	}
	if req.ProductKey == "" || req.MAC == "" {
		gizerr.Write(w, gizerr.FormInvalid, "product_key and mac are required")
		return
	}
	ts := r.Header.Get(hdrTimestamp)
	if !timestampFresh(ts, time.Now()) {
		gizerr.Write(w, gizerr.TimestampInvalid, "X-Gizwits-Timestamp must be unix seconds within 5 minutes of the server's clock")
		return
	}
	p, err := a.node.Product(r.Context(), req.ProductKey)
	if errors.Is(err, core.ErrProductNotFound) {
		gizerr.Write(w, gizerr.ProductKeyInvalid, "")
		return
	}
	if err != nil {
		a.internal(w, "get product", err)
		return
	}
	if !signatureValid(p.Secret, ts, r.Header.Get(hdrSignature)) {
		gizerr.Write(w, gizerr.SignatureInvalid, "")
		return
	}
	b, d, err := a.node.BindByMAC(r.Context(), c.user.UID, req.ProductKey, req.MAC, core.BindOptions{Remark: req.Remark, Alias: req.Alias})
	switch {
	case errors.Is(err, core.ErrDeviceNotFound):
		gizerr.Write(w, gizerr.DeviceNotFound, "no device of that product with that mac")
		return
	case errors.Is(err, core.ErrDeviceDisabled):
		gizerr.Write(w, gizerr.DeviceDisabled, "")
		return
	case errors.Is(err, core.ErrInvalidInput):
		gizerr.Write(w, gizerr.FormInvalid, core.Detail(err))
		return
	case err != nil:
		a.internal(w, "bind by mac", err)
		return
	}
	writeJSON(w, http.StatusCreated, a.deviceObject(a.host(r), d, b, p.Name))
}
