package aqara

import (
	"net/http"

	"github.com/switchboard-iot/switchboard/store"
)

// deviceObject is a device in query.device.info ([dev]). Switchboard
// devices connect on their own (no gateway), so modelType is 2 ("gateway
// without sub-devices") and parentDid is "".
type deviceObject struct {
	DID             string `json:"did"`
	ParentDID       string `json:"parentDid"`
	PositionID      string `json:"positionId"`
	CreateTime      int64  `json:"createTime"` // ms, a number as in the docs' demo
	UpdateTime      int64  `json:"updateTime"`
	Model           string `json:"model"`
	ModelType       int    `json:"modelType"`
	State           int    `json:"state"` // 1 online, 0 offline
	FirmwareVersion string `json:"firmwareVersion"`
	DeviceName      string `json:"deviceName"`
	TimeZone        string `json:"timeZone"`
}

// maxDIDs bounds the dids of one query (notes §2.3).
const maxDIDs = 100

func (a *API) deviceObject(r *http.Request, b store.Binding, positions map[string]string) (deviceObject, error) {
	d, err := a.node.Device(r.Context(), b.DID)
	if err != nil {
		return deviceObject{}, err
	}
	o := deviceObject{
		DID: d.DID, PositionID: positions[d.DID], CreateTime: b.CreatedAt.UnixMilli(),
		UpdateTime: b.CreatedAt.UnixMilli(), Model: d.ProductKey, ModelType: 2,
		DeviceName: b.Alias, TimeZone: "GMT+00:00",
	}
	if d.Online {
		o.State = 1
	}
	if d.LastSeen.After(b.CreatedAt) {
		o.UpdateTime = d.LastSeen.UnixMilli()
	}
	if o.DeviceName == "" {
		o.DeviceName = d.ProductKey + "-" + d.MAC[max(len(d.MAC)-4, 0):]
	}
	return o, nil
}

// deviceInfo is query.device.info {dids?, positionId?, pageNum?, pageSize?}:
// the account's bound devices, filtered, as {data, totalCount}.
func (a *API) deviceInfo(r *http.Request, c call) (any, Code, string) {
	var data struct {
		DIDs       []string `json:"dids"`
		PositionID string   `json:"positionId"`
		PageNum    flexInt  `json:"pageNum"`
		PageSize   flexInt  `json:"pageSize"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if len(data.DIDs) > maxDIDs {
		return nil, CodeParams, "at most 100 dids"
	}
	limit, offset, err := page(data.PageNum, data.PageSize, 50, 100)
	if err != nil {
		return nil, CodeParams, err.Error()
	}
	ctx := r.Context()
	if data.PositionID != "" {
		if _, err := a.partners.Position(ctx, c.uid, data.PositionID); err != nil {
			return fromCore(err)
		}
	}
	bindings, err := a.node.Bindings(ctx, c.uid, 0, 0)
	if err != nil {
		return fromCore(err)
	}
	positions, err := a.partners.DevicePositions(ctx, c.uid)
	if err != nil {
		return fromCore(err)
	}
	want := map[string]bool{}
	for _, did := range data.DIDs {
		want[did] = true
	}
	var match []store.Binding
	for _, b := range bindings {
		if (len(want) == 0 || want[b.DID]) && (data.PositionID == "" || positions[b.DID] == data.PositionID) {
			match = append(match, b)
		}
	}
	out := []deviceObject{}
	for i := offset; i < len(match) && i < offset+limit; i++ {
		o, err := a.deviceObject(r, match[i], positions)
		if err != nil {
			return fromCore(err)
		}
		out = append(out, o)
	}
	return map[string]any{"data": out, "totalCount": len(match)}, CodeSuccess, ""
}

// deviceSubInfo is query.device.subInfo {did}: the sub-devices of a
// gateway. Switchboard devices have none, so a bound did gets [].
func (a *API) deviceSubInfo(r *http.Request, c call) (any, Code, string) {
	var data struct {
		DID string `json:"did"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.DID == "" {
		return nil, CodeParams, `"data.did" is required`
	}
	if _, err := a.node.Binding(r.Context(), c.uid, data.DID); err != nil {
		return fromCore(err)
	}
	return []deviceObject{}, CodeSuccess, ""
}

// devicePosition is config.device.position {dids, positionId}: places
// bound devices in one of the account's positions.
func (a *API) devicePosition(r *http.Request, c call) (any, Code, string) {
	var data struct {
		DIDs       []string `json:"dids"`
		PositionID string   `json:"positionId"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if len(data.DIDs) == 0 || len(data.DIDs) > maxDIDs || data.PositionID == "" {
		return nil, CodeParams, `"data.dids" (1 to 100) and "data.positionId" are required`
	}
	if err := a.partners.PlaceDevices(r.Context(), c.uid, data.DIDs, data.PositionID); err != nil {
		return fromCore(err)
	}
	return nil, CodeSuccess, ""
}
