package aqara

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Resources are datapoints; resources.go has the mapping.

// maxSubjects bounds the subjects of one resource call.
const maxSubjects = 100

// resourceInfo is query.resource.info {model, resourceId?}: the resources
// of a product (the model), or the one named.
func (a *API) resourceInfo(r *http.Request, c call) (any, Code, string) {
	var data struct {
		Model      string `json:"model"`
		ResourceID string `json:"resourceId"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.Model == "" {
		return nil, CodeParams, `"data.model" is required`
	}
	schema, err := a.node.Schema(r.Context(), data.Model)
	if err != nil {
		return fromCore(err)
	}
	out := []resourceInfo{}
	for _, f := range schema.Fields() {
		if data.ResourceID == "" || data.ResourceID == f.Name {
			out = append(out, describe(data.Model, f))
		}
	}
	if data.ResourceID != "" && len(out) == 0 {
		return nil, CodeResourceUnknown, "no resource " + data.ResourceID + " in model " + data.Model
	}
	return out, CodeSuccess, ""
}

// boundDevice returns a device bound to the account, with its schema.
func (a *API) boundDevice(r *http.Request, uid, did string) (store.Device, *datapoint.Schema, error) {
	if _, err := a.node.Binding(r.Context(), uid, did); err != nil {
		return store.Device{}, nil, err
	}
	d, err := a.node.Device(r.Context(), did)
	if errors.Is(err, core.ErrDeviceNotFound) {
		return store.Device{}, nil, core.ErrNotBound
	}
	if err != nil {
		return store.Device{}, nil, err
	}
	s, err := a.node.Schema(r.Context(), d.ProductKey)
	return d, s, err
}

// valueItem is one value of query.resource.value.
type valueItem struct {
	SubjectID  string `json:"subjectId"`
	ResourceID string `json:"resourceId"`
	Value      string `json:"value"`
	TimeStamp  int64  `json:"timeStamp"` // ms
}

// resourceValue is query.resource.value {resources:[{subjectId,
// resourceIds?}]}: the latest values; no resourceIds means all of the
// device's resources that have a value. A resource never reported is left
// out.
func (a *API) resourceValue(r *http.Request, c call) (any, Code, string) {
	var data struct {
		Resources []struct {
			SubjectID   string   `json:"subjectId"`
			ResourceIDs []string `json:"resourceIds"`
		} `json:"resources"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if len(data.Resources) == 0 || len(data.Resources) > maxSubjects {
		return nil, CodeParams, `"data.resources" must hold 1 to 100 subjects`
	}
	out := []valueItem{}
	for _, q := range data.Resources {
		_, schema, err := a.boundDevice(r, c.uid, q.SubjectID)
		if err != nil {
			return fromCore(err)
		}
		for _, id := range q.ResourceIDs {
			if _, ok := schema.Lookup(id); !ok {
				return nil, CodeResourceUnknown, "no resource " + id + " on " + q.SubjectID
			}
		}
		attrs, at, err := a.node.LatestState(r.Context(), q.SubjectID)
		if err != nil {
			return fromCore(err)
		}
		var values map[string]json.RawMessage
		if err := json.Unmarshal(attrs, &values); err != nil {
			return nil, CodeInternal, "stored state: " + err.Error()
		}
		ids := q.ResourceIDs
		if len(ids) == 0 {
			for _, f := range schema.Fields() {
				ids = append(ids, f.Name)
			}
		}
		for _, id := range ids {
			raw, ok := values[id]
			if !ok {
				continue
			}
			i, _ := schema.Lookup(id)
			v, err := resourceValue(schema.Field(i), raw)
			if err != nil {
				continue // a stored value the schema no longer takes
			}
			out = append(out, valueItem{SubjectID: q.SubjectID, ResourceID: id, Value: v, TimeStamp: at.UnixMilli()})
		}
	}
	return out, CodeSuccess, ""
}

// writeItem is one entry of write.resource.device's data (an array).
type writeItem struct {
	SubjectID string `json:"subjectId"`
	Resources []struct {
		ResourceID string `json:"resourceId"`
		Value      string `json:"value"`
	} `json:"resources"`
}

// writeResource is write.resource.device [{subjectId, resources:[{resourceId,
// value}]}]: every value is checked first (1008 unknown, 1007 read-only,
// 1004 bad value, 757 not bound), then each device gets one P0 write
// (0x0090 with action 0x01/0x11) of its resources. A device that is not
// connected fails with 602; the devices before it were written. The result
// echoes the request ([hb] types expect that).
func (a *API) writeResource(r *http.Request, c call) (any, Code, string) {
	var items []writeItem
	if err := decodeArray(c.data, &items); err != nil {
		return nil, CodeParams, err.Error()
	}
	if len(items) == 0 || len(items) > maxSubjects {
		return nil, CodeParams, `"data" must hold 1 to 100 subjects`
	}
	writes := make([]map[string]any, len(items))
	for k, it := range items {
		if len(it.Resources) == 0 {
			return nil, CodeParams, "no resources for " + it.SubjectID
		}
		_, schema, err := a.boundDevice(r, c.uid, it.SubjectID)
		if err != nil {
			return fromCore(err)
		}
		writes[k] = map[string]any{}
		probe := schema.NewMessage(datapoint.ActionWrite)
		for _, res := range it.Resources {
			i, ok := schema.Lookup(res.ResourceID)
			if !ok {
				return nil, CodeResourceUnknown, "no resource " + res.ResourceID + " on " + it.SubjectID
			}
			f := schema.Field(i)
			if !f.Writable() {
				return nil, CodeNotWritable, "resource " + res.ResourceID + " is read-only"
			}
			v, err := writeValue(f, res.Value)
			if err == nil {
				err = schema.Set(probe, f.Name, v)
			}
			if err != nil {
				// Detail names the resource and what it takes, e.g.
				// "LED_R must be a number from 0 to 254 in steps of 1".
				return nil, CodeResourceValue, core.Detail(err)
			}
			writes[k][f.Name] = v
		}
	}
	for k, it := range items {
		t := core.Target{DID: it.SubjectID, ClientID: partnerClientID}
		if err := a.node.WriteAttrs(r.Context(), t, writes[k]); err != nil {
			return fromCore(err)
		}
	}
	return items, CodeSuccess, ""
}

// partnerClientID is the client-id level of writes from partners: a device
// answering on dev2app/<did>/<client id> reaches no app session with it,
// and its report reaches everyone.
const partnerClientID = "aqara"
