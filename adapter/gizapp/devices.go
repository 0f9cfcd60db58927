package gizapp

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
)

// getDevice: GET /app/devices/{did} -> the device object, for bound users.
func (a *API) getDevice(w http.ResponseWriter, r *http.Request, c caller) {
	b, ok := a.bound(w, r, c)
	if !ok {
		return
	}
	d, err := a.node.Device(r.Context(), b.DID)
	if errors.Is(err, core.ErrDeviceNotFound) {
		gizerr.Write(w, gizerr.DeviceNotFound, "")
		return
	}
	if err != nil {
		a.internal(w, "get device", err)
		return
	}
	name, err := a.productName(r.Context(), productNames{}, d.ProductKey)
	if err != nil {
		a.internal(w, "get product", err)
		return
	}
	writeJSON(w, http.StatusOK, a.deviceObject(a.host(r), d, b, name))
}

// latest: GET /app/devdata/{did}/latest -> {"did","updated_at","attr"}.
// updated_at is unix seconds and 0 when the device never reported, which
// pyGizwits and ha-bestway read as "no data". The Open API lists no user
// token for this call; Switchboard requires one, because the latest state
// is the user's data and the binding is what authorizes reading it.
func (a *API) latest(w http.ResponseWriter, r *http.Request, c caller) {
	b, ok := a.bound(w, r, c)
	if !ok {
		return
	}
	attrs, at, err := a.node.LatestState(r.Context(), b.DID)
	if err != nil {
		a.internal(w, "latest state", err)
		return
	}
	attr, err := httpAttrs(attrs)
	if err != nil {
		a.internal(w, "stored state is not a JSON object", err)
		return
	}
	var updated int64
	if !at.IsZero() {
		updated = at.Unix()
	}
	writeJSON(w, http.StatusOK, map[string]any{"did": b.DID, "updated_at": updated, "attr": attr})
}

// httpAttrs turns the core's attrs (WebSocket forms) into the HTTP edge's:
// binary datapoints, byte arrays in the core, become hex strings, the form
// /app/control takes (notes §3.6), so a client can write back what it read.
// Only binaries are arrays in attrs, so no schema is needed.
func httpAttrs(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]any{}
	}
	for k, v := range m {
		arr, ok := v.([]any)
		if !ok {
			continue
		}
		b := make([]byte, 0, len(arr))
		for _, e := range arr {
			n, _ := e.(json.Number)
			x, err := n.Int64()
			if err != nil || x < 0 || x > 255 {
				return nil, errors.New("binary datapoint " + k + " holds a non-byte")
			}
			b = append(b, byte(x))
		}
		m[k] = hex.EncodeToString(b)
	}
	return m, nil
}

// control: POST /app/control/{did} {"attrs":{...}} and/or {"raw":[...]} ->
// 200 {}. Writes go out as 0x0090 on app2dev/<did>/<client id of the user>.
func (a *API) control(w http.ResponseWriter, r *http.Request, c caller) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	req, err := parseControl(body)
	if err != nil {
		a.formError(w, err)
		return
	}
	b, ok := a.bound(w, r, c)
	if !ok {
		return
	}
	t := core.Target{DID: b.DID, ClientID: userClientID(c.user.UID)}
	if len(req.Attrs) > 0 {
		if req.Base64 {
			if err := a.base64ToHex(r, b.DID, req.Attrs); err != nil {
				a.controlError(w, err, gizerr.AttrInvalid)
				return
			}
		}
		if err := a.node.WriteAttrs(r.Context(), t, req.Attrs); err != nil {
			a.controlError(w, err, gizerr.AttrInvalid)
			return
		}
	}
	if len(req.Raw) > 0 {
		if err := a.node.SendRaw(r.Context(), t, req.Raw); err != nil {
			a.controlError(w, err, gizerr.FormInvalid)
			return
		}
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// userClientID is the client-id level of a user's HTTP commands: "usr" and
// the first 20 hex digits of the uid, 23 characters, GAgent's limit.
func userClientID(uid string) string {
	if len(uid) > core.MaxClientIDLen-3 {
		uid = uid[:core.MaxClientIDLen-3]
	}
	return "usr" + uid
}

// base64ToHex rewrites the binary datapoints of a "binary_coding":"base64"
// control into the hex strings the codec takes.
func (a *API) base64ToHex(r *http.Request, did string, attrs map[string]any) error {
	d, err := a.node.Device(r.Context(), did)
	if err != nil {
		return err
	}
	schema, err := a.node.Schema(r.Context(), d.ProductKey)
	if err != nil {
		return err
	}
	for name, v := range attrs {
		i, ok := schema.Lookup(name)
		s, isString := v.(string)
		if !ok || !isString || schema.Field(i).Kind != datapoint.KindBinary {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return &core.InputError{Field: name, Reason: "is not base64"}
		}
		attrs[name] = hex.EncodeToString(b)
	}
	return nil
}

// controlError maps a downlink error; invalid is the code of a value the
// core refused (9025 for attrs, 9015 for a raw frame).
func (a *API) controlError(w http.ResponseWriter, err error, invalid gizerr.Code) {
	switch {
	case errors.Is(err, core.ErrDeviceOffline):
		gizerr.Write(w, gizerr.DeviceOffline, "")
	case errors.Is(err, core.ErrDeviceDisabled):
		gizerr.Write(w, gizerr.DeviceDisabled, "")
	case errors.Is(err, core.ErrDeviceNotFound):
		gizerr.Write(w, gizerr.DeviceNotFound, "")
	case errors.Is(err, core.ErrInvalidInput):
		// The client learns which value and why; the log keeps the chain.
		a.log.Info("control refused", "request", requestID(w), "code", int(invalid), "err", err)
		gizerr.Write(w, invalid, core.Detail(err))
	default:
		a.internal(w, "control device", err)
	}
}
