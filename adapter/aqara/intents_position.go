package aqara

import (
	"net/http"

	"github.com/switchboard-iot/switchboard/partners"
)

// positionObject is a position as query.position.info returns it. Every
// field is always present: aqara_capi's model requires them (notes §6).
type positionObject struct {
	ParentPositionID string `json:"parentPositionId"`
	PositionID       string `json:"positionId"`
	PositionName     string `json:"positionName"`
	Description      string `json:"description"`
	CreateTime       int64  `json:"createTime"` // ms
}

func viewPosition(p partners.Position) positionObject {
	return positionObject{ParentPositionID: p.ParentID, PositionID: p.PositionID, PositionName: p.Name,
		Description: p.Description, CreateTime: p.CreatedAt.UnixMilli()}
}

// positionInfo is query.position.info {parentPositionId?, pageNum?,
// pageSize?}: the children of a position, or with "" the account's homes.
func (a *API) positionInfo(r *http.Request, c call) (any, Code, string) {
	var data struct {
		ParentPositionID string  `json:"parentPositionId"`
		PageNum          flexInt `json:"pageNum"`
		PageSize         flexInt `json:"pageSize"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	limit, offset, err := page(data.PageNum, data.PageSize, 30, 100)
	if err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.ParentPositionID != "" {
		if _, err := a.partners.Position(r.Context(), c.uid, data.ParentPositionID); err != nil {
			return fromCore(err)
		}
	}
	ps, total, err := a.partners.Positions(r.Context(), c.uid, data.ParentPositionID, limit, offset)
	if err != nil {
		return fromCore(err)
	}
	out := make([]positionObject, 0, len(ps))
	for _, p := range ps {
		out = append(out, viewPosition(p))
	}
	return map[string]any{"data": out, "totalCount": total}, CodeSuccess, ""
}

// positionCreate is config.position.create {positionName, description?,
// parentPositionId?} and answers {positionId}.
func (a *API) positionCreate(r *http.Request, c call) (any, Code, string) {
	var data struct {
		Name        string `json:"positionName"`
		Description string `json:"description"`
		ParentID    string `json:"parentPositionId"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	p, err := a.partners.CreatePosition(r.Context(), c.uid, data.Name, data.Description, data.ParentID)
	if err != nil {
		return fromCore(err)
	}
	return map[string]string{"positionId": p.PositionID}, CodeSuccess, ""
}

// positionUpdate is config.position.update {positionId, positionName,
// description?}.
func (a *API) positionUpdate(r *http.Request, c call) (any, Code, string) {
	var data struct {
		PositionID  string `json:"positionId"`
		Name        string `json:"positionName"`
		Description string `json:"description"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.PositionID == "" {
		return nil, CodeParams, `"data.positionId" is required`
	}
	if _, err := a.partners.UpdatePosition(r.Context(), c.uid, data.PositionID, data.Name, data.Description); err != nil {
		return fromCore(err)
	}
	return nil, CodeSuccess, ""
}

// positionDelete is config.position.delete {positionId}; 702 while it holds
// positions or devices.
func (a *API) positionDelete(r *http.Request, c call) (any, Code, string) {
	var data struct {
		PositionID string `json:"positionId"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if data.PositionID == "" {
		return nil, CodeParams, `"data.positionId" is required`
	}
	if err := a.partners.DeletePosition(r.Context(), c.uid, data.PositionID); err != nil {
		return fromCore(err)
	}
	return nil, CodeSuccess, ""
}
