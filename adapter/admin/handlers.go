package admin

import (
	"encoding/json"
	"errors"
	"github.com/switchboard-iot/switchboard/partners"
	"net/http"
	"net/url"
	"strconv"

	"github.com/switchboard-iot/switchboard/adminapi"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/httpjson"
	"github.com/switchboard-iot/switchboard/store"
)

func (a *API) createProduct(w http.ResponseWriter, r *http.Request) {
	body, err := httpjson.Read(w, r, maxBody)
	if err != nil {
		a.log.Info("admin: reading body", "err", errors.Unwrap(err))
		writeError(w, http.StatusBadRequest, "invalid_body", err.Error())
		return
	}
	p, schema, err := a.node.CreateProduct(r.Context(), body)
	if err != nil {
		a.coreError(w, err)
		return
	}
	a.log.Info("product created", "product_key", p.Key, "name", p.Name, "datapoints", len(schema.Fields()))
	writeJSON(w, http.StatusCreated, viewProduct(p, false))
}

func (a *API) listProducts(w http.ResponseWriter, r *http.Request) {
	ps, err := a.store.ListProducts(r.Context())
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := adminapi.ProductList{Products: make([]adminapi.Product, 0, len(ps))}
	for _, p := range ps {
		out.Products = append(out.Products, viewProduct(p, false))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getProduct(w http.ResponseWriter, r *http.Request) {
	p, err := a.node.Product(r.Context(), r.PathValue("key"))
	if err != nil {
		a.coreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, viewProduct(p, true))
}

func (a *API) createApp(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if !decode(w, r, &req) {
		return
	}
	app, err := a.node.CreateApp(r.Context(), req.Name)
	if err != nil {
		a.coreError(w, err)
		return
	}
	a.log.Info("app created", "appid", app.ID, "name", app.Name)
	writeJSON(w, http.StatusCreated, viewApp(app))
}

func (a *API) listApps(w http.ResponseWriter, r *http.Request) {
	as, err := a.store.ListApps(r.Context())
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := adminapi.AppList{Apps: make([]adminapi.App, 0, len(as))}
	for _, x := range as {
		out.Apps = append(out.Apps, viewApp(x))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getApp(w http.ResponseWriter, r *http.Request) {
	app, err := a.node.App(r.Context(), r.PathValue("appid"))
	if errors.Is(err, core.ErrAppNotFound) {
		writeError(w, http.StatusNotFound, "app_not_found", "no such app")
		return
	}
	if err != nil {
		a.coreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, viewApp(app))
}

// registerDevice lets an operator pre-register a device (for example to
// print its did and passcode on a label); a passcode is drawn if absent.
func (a *API) registerDevice(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ProductKey string `json:"product_key"`
		MAC        string `json:"mac"`
		Passcode   string `json:"passcode"`
	}
	if !decode(w, r, &req) {
		return
	}
	if req.Passcode == "" {
		req.Passcode = core.NewPasscode()
	}
	d, created, err := a.node.RegisterDevice(r.Context(), req.ProductKey, req.MAC, req.Passcode)
	if err != nil {
		a.coreError(w, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, viewDevice(d))
}

func (a *API) listDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err1 := atoiDefault(q.Get("limit"), 100)
	skip, err2 := atoiDefault(q.Get("skip"), 0)
	if err := errors.Join(err1, err2); err != nil || limit < 1 || limit > 1000 || skip < 0 {
		writeError(w, http.StatusBadRequest, "invalid_input", "limit must be 1 to 1000 and skip 0 or more")
		return
	}
	ds, err := a.store.ListDevices(r.Context(), store.DeviceFilter{ProductKey: q.Get("product_key"), Limit: limit, Offset: skip})
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := adminapi.DeviceList{Devices: make([]adminapi.Device, 0, len(ds))}
	for _, d := range ds {
		out.Devices = append(out.Devices, viewDevice(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func atoiDefault(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}

// getDevice returns the device with its latest datapoints.
func (a *API) getDevice(w http.ResponseWriter, r *http.Request) {
	d, err := a.node.Device(r.Context(), r.PathValue("did"))
	if err != nil {
		a.coreError(w, err)
		return
	}
	attrs, at, err := a.node.LatestState(r.Context(), d.DID)
	if err != nil {
		a.coreError(w, err)
		return
	}
	v := viewDevice(d)
	v.Attrs, v.UpdatedAt = attrs, optionalTime(at)
	writeJSON(w, http.StatusOK, v)
}

func (a *API) deleteDevice(w http.ResponseWriter, r *http.Request) {
	if err := a.node.DeleteDevice(r.Context(), r.PathValue("did")); err != nil {
		a.coreError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		did := r.PathValue("did")
		if err := a.node.SetDeviceDisabled(r.Context(), did, disabled); err != nil {
			a.coreError(w, err)
			return
		}
		d, err := a.node.Device(r.Context(), did)
		if err != nil {
			a.coreError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, viewDevice(d))
	}
}

// revokeUserTokens ends every token of an app user; the user must log in
// again.
func (a *API) revokeUserTokens(w http.ResponseWriter, r *http.Request) {
	n, err := a.node.RevokeUserTokens(r.Context(), r.PathValue("uid"))
	if err != nil {
		a.coreError(w, err)
		return
	}
	a.log.Info("user tokens revoked", "uid", r.PathValue("uid"), "tokens", n)
	writeJSON(w, http.StatusOK, adminapi.Revoked{Revoked: n})
}

// adminClientID is the app client id of operator commands; the device
// answers 0x0093s from the console on app2dev/<did>/admin.
const adminClientID = "admin"

// control sends {"attrs":{...}} as a datapoint write, {"read":true} (or
// {"read":["name",...]}) as a read, or {"raw":[bytes]} as a P0 frame.
func (a *API) control(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Attrs map[string]any  `json:"attrs"`
		Read  json.RawMessage `json:"read"`
		Raw   []int           `json:"raw"`
	}
	if !decode(w, r, &req) {
		return
	}
	t := core.Target{DID: r.PathValue("did"), ClientID: adminClientID}
	var err error
	switch {
	case len(req.Attrs) > 0:
		err = a.node.WriteAttrs(r.Context(), t, numbersToFloat(req.Attrs))
	case len(req.Raw) > 0:
		frame := make([]byte, len(req.Raw))
		for i, b := range req.Raw {
			if b < 0 || b > 255 {
				writeError(w, http.StatusBadRequest, "invalid_input", "raw bytes must be 0 to 255")
				return
			}
			frame[i] = byte(b)
		}
		err = a.node.SendRaw(r.Context(), t, frame)
	case len(req.Read) > 0:
		var names []string
		_ = json.Unmarshal(req.Read, &names) // true means all
		err = a.node.ReadAttrs(r.Context(), t, names)
	default:
		writeError(w, http.StatusBadRequest, "invalid_input", `give "attrs", "read" or "raw"`)
		return
	}
	if err != nil {
		a.coreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// numbersToFloat turns json.Numbers (decode uses UseNumber) into float64,
// the form the datapoint codec documents for shown values.
func numbersToFloat(m map[string]any) map[string]any {
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				m[k] = f
			}
		}
	}
	return m
}

// partnerSettings is the core's form of the body of POST and PUT
// /admin/v1/partners[/{appid}].
func partnerSettings(r adminapi.PartnerSettings) partners.PartnerSettings {
	return partners.PartnerSettings{Name: r.Name, PushURL: r.PushURL, PushSign: r.PushSign, UserAppID: r.UserAppID}
}

func (a *API) createPartner(w http.ResponseWriter, r *http.Request) {
	var req adminapi.PartnerSettings
	if !decode(w, r, &req) {
		return
	}
	p, err := a.partners.CreatePartner(r.Context(), partnerSettings(req))
	if err != nil {
		a.coreError(w, err)
		return
	}
	a.log.Info("partner created", "app_id", p.AppID, "name", p.Name, "push_url", logURL(p.PushURL), "push_sign", p.PushSign)
	writeJSON(w, http.StatusCreated, a.viewPartner(r.Context(), p))
}

func (a *API) listPartners(w http.ResponseWriter, r *http.Request) {
	ps, err := a.partners.Partners(r.Context())
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := adminapi.PartnerList{Partners: make([]adminapi.Partner, 0, len(ps))}
	for _, p := range ps {
		out.Partners = append(out.Partners, a.viewPartner(r.Context(), p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getPartner(w http.ResponseWriter, r *http.Request) {
	p, err := a.partners.Partner(r.Context(), r.PathValue("appid"))
	if err != nil {
		a.coreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.viewPartner(r.Context(), p))
}

// updatePartner replaces name, push_url, push_sign and user_app_id (all of
// them; an absent push_url means no push, an absent push_sign unsigned).
func (a *API) updatePartner(w http.ResponseWriter, r *http.Request) {
	var req adminapi.PartnerSettings
	if !decode(w, r, &req) {
		return
	}
	p, err := a.partners.UpdatePartner(r.Context(), r.PathValue("appid"), partnerSettings(req))
	if err != nil {
		a.coreError(w, err)
		return
	}
	a.log.Info("partner updated", "app_id", p.AppID, "name", p.Name, "push_url", logURL(p.PushURL), "push_sign", p.PushSign)
	writeJSON(w, http.StatusOK, a.viewPartner(r.Context(), p))
}

// setPartnerSuspended serves /disable (optional body {"reason": "..."}) and
// /enable, which clears the suspension whatever its cause.
func (a *API) setPartnerSuspended(suspended bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Reason string `json:"reason"`
		}
		body, err := httpjson.Read(w, r, maxBody)
		if err != nil {
			a.log.Info("admin: reading body", "err", errors.Unwrap(err))
			writeError(w, http.StatusBadRequest, "invalid_body", err.Error())
			return
		}
		if suspended && len(body) > 0 {
			if err := httpjson.Decode(body, &req); err != nil {
				writeError(w, http.StatusBadRequest, "invalid_json", err.Error())
				return
			}
		}
		if suspended && req.Reason == "" {
			req.Reason = "disabled by an operator"
		}
		p, err := a.partners.SetPartnerSuspended(r.Context(), r.PathValue("appid"), suspended, req.Reason)
		if err != nil {
			a.coreError(w, err)
			return
		}
		a.log.Info("partner suspension set", "app_id", p.AppID, "suspended", p.Suspended, "reason", p.SuspendedReason)
		writeJSON(w, http.StatusOK, a.viewPartner(r.Context(), p))
	}
}

// logURL is a push URL fit for the log: a partner may put a credential in
// its URL's user info or query, and the log must not carry it.
func logURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	if u.User != nil {
		u.User = url.User("…")
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}
