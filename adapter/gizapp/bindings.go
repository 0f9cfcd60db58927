package gizapp

import (
	"errors"
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// bindingsChunk is how many bindings one store read fetches while a page is
// assembled.
const bindingsChunk = 200

// listBindings: GET /app/bindings -> {"devices":[...]}, never null. Disabled
// devices are left out unless show_disabled=1, so skip counts only the
// devices the client can see; that is why the page is assembled here
// rather than cut by the store (a store query joining bindings with
// devices would do it in one read).
func (a *API) listBindings(w http.ResponseWriter, r *http.Request, c caller) {
	q, err := parseListQuery(r.URL.Query())
	if err != nil {
		gizerr.Write(w, gizerr.FormInvalid, err.Error())
		return
	}
	ctx, host, names := r.Context(), a.host(r), productNames{}
	out := make([]deviceObject, 0, min(q.limit, 64))
	// With every device visible, the store can skip for us.
	offset, seen := 0, 0
	if q.showDisabled {
		offset, seen = q.skip, q.skip
	}
	for len(out) < q.limit {
		bs, err := a.node.Bindings(ctx, c.user.UID, bindingsChunk, offset)
		if err != nil {
			a.internal(w, "list bindings", err)
			return
		}
		for _, b := range bs {
			d, err := a.node.Device(ctx, b.DID)
			if errors.Is(err, core.ErrDeviceNotFound) {
				continue // deleted between the two reads
			}
			if err != nil {
				a.internal(w, "get bound device", err)
				return
			}
			if d.Disabled && !q.showDisabled {
				continue
			}
			if seen < q.skip {
				seen++
				continue
			}
			name, err := a.productName(ctx, names, d.ProductKey)
			if err != nil {
				a.internal(w, "get product", err)
				return
			}
			out = append(out, a.deviceObject(host, d, b, name))
			if len(out) == q.limit {
				break
			}
		}
		if len(bs) < bindingsChunk {
			break
		}
		offset += bindingsChunk
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": out})
}

// batchReply is the bind/unbind answer; both lists are always arrays, since
// the JS SDKs iterate them without checks (notes §6).
type batchReply struct {
	Success []string `json:"success"`
	Failed  []string `json:"failed"`
}

// bindDevices: POST /app/bindings {"devices":[{"did","passcode",...}]}.
// A wrong passcode, unknown or disabled device fails that entry only.
func (a *API) bindDevices(w http.ResponseWriter, r *http.Request, c caller) {
	a.batch(w, r, func(d deviceRef) error {
		_, err := a.node.BindDevice(r.Context(), c.user.UID, d.DID, d.Passcode, core.BindOptions{Remark: d.Remark, Alias: d.Alias})
		return err
	})
}

// unbindDevices: DELETE /app/bindings {"devices":[{"did"}]}; a device the
// user has not bound fails.
func (a *API) unbindDevices(w http.ResponseWriter, r *http.Request, c caller) {
	a.batch(w, r, func(d deviceRef) error { return a.node.Unbind(r.Context(), c.user.UID, d.DID) })
}

// batch runs op for every listed device and sorts the dids into success and
// failed. Errors other than the client's own are logged, but still only
// fail their entry: the others may already be done.
func (a *API) batch(w http.ResponseWriter, r *http.Request, op func(deviceRef) error) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	devices, err := parseDevices(body)
	if err != nil {
		a.formError(w, err)
		return
	}
	out := batchReply{Success: []string{}, Failed: []string{}}
	for _, d := range devices {
		err := op(d)
		switch {
		case err == nil:
			out.Success = append(out.Success, d.DID)
			continue
		case errors.Is(err, core.ErrBadCredentials), errors.Is(err, core.ErrDeviceDisabled),
			errors.Is(err, core.ErrDeviceNotFound), errors.Is(err, core.ErrNotBound),
			errors.Is(err, core.ErrInvalidInput), errors.Is(err, store.ErrNotFound):
		default:
			a.log.Error("bind or unbind", "did", d.DID, "err", err)
		}
		out.Failed = append(out.Failed, d.DID)
	}
	writeJSON(w, http.StatusOK, out)
}

// updateBinding: PUT /app/bindings/{did} -> the binding's remark,
// dev_alias and dev_label after the change.
func (a *API) updateBinding(w http.ResponseWriter, r *http.Request, c caller) {
	body, ok := a.readBody(w, r)
	if !ok {
		return
	}
	upd, err := parseBindingUpdate(body)
	if err != nil {
		a.formError(w, err)
		return
	}
	b, ok := a.bound(w, r, c)
	if !ok {
		return
	}
	if upd.Remark != nil {
		b.Remark = *upd.Remark
	}
	if upd.Alias != nil {
		b.Alias = *upd.Alias
	}
	if upd.Labels != nil {
		b.Label = encodeLabels(upd.Labels)
	}
	if err := a.node.UpdateBinding(r.Context(), b); err != nil {
		if errors.Is(err, core.ErrNotBound) {
			gizerr.Write(w, gizerr.DeviceNotBound, "")
			return
		}
		a.internal(w, "update binding", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"remark": b.Remark, "dev_alias": b.Alias, "dev_label": decodeLabels(b.Label)})
}

// bound is the authorization of every per-device call: the user's binding
// to the path's did, or 9017. Unknown and foreign devices look the same,
// so the answer does not reveal which dids exist.
func (a *API) bound(w http.ResponseWriter, r *http.Request, c caller) (store.Binding, bool) {
	b, err := a.node.Binding(r.Context(), c.user.UID, r.PathValue("did"))
	if errors.Is(err, core.ErrNotBound) {
		gizerr.Write(w, gizerr.DeviceNotBound, "")
		return store.Binding{}, false
	}
	if err != nil {
		a.internal(w, "get binding", err)
		return store.Binding{}, false
	}
	return b, true
}
