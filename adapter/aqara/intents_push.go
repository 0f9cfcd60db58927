package aqara

import (
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// maxAttach bounds a subscription's attach string.
const maxAttach = 512

// subscriptionEntries reads {resources:[{subjectId, resourceIds, attach?}]}
// and checks every resource against the device's schema.
func (a *API) subscriptionEntries(r *http.Request, c call, withAttach bool) ([]partners.Subscription, Code, string) {
	var data struct {
		Resources []struct {
			SubjectID   string   `json:"subjectId"`
			ResourceIDs []string `json:"resourceIds"`
			Attach      string   `json:"attach"`
		} `json:"resources"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	if len(data.Resources) == 0 || len(data.Resources) > maxSubjects {
		return nil, CodeParams, `"data.resources" must hold 1 to 100 subjects`
	}
	var subs []partners.Subscription
	for _, e := range data.Resources {
		if len(e.Attach) > maxAttach {
			return nil, CodeParams, "attach longer than 512 bytes"
		}
		_, schema, err := a.boundDevice(r, c.uid, e.SubjectID)
		if err != nil {
			_, code, d := fromCore(err)
			return nil, code, d
		}
		ids := e.ResourceIDs
		if len(ids) == 0 {
			return nil, CodeParams, "resourceIds of " + e.SubjectID + " must not be empty"
		}
		for _, id := range ids {
			if _, ok := schema.Lookup(id); !ok {
				return nil, CodeResourceUnknown, "no resource " + id + " on " + e.SubjectID
			}
			s := partners.Subscription{DID: e.SubjectID, ResourceID: id}
			if withAttach {
				s.Attach = e.Attach
			}
			subs = append(subs, s)
		}
	}
	return subs, CodeSuccess, ""
}

// subscribe is config.resource.subscribe: pushes of these resources go to
// the partner's push URL from now on (resource_report on change, plus the
// device's online/offline events).
func (a *API) subscribe(r *http.Request, c call) (any, Code, string) {
	subs, code, d := a.subscriptionEntries(r, c, true)
	if code != CodeSuccess {
		return nil, code, d
	}
	if err := a.partners.Subscribe(r.Context(), c.partner.AppID, c.uid, subs); err != nil {
		return fromCore(err)
	}
	return nil, CodeSuccess, ""
}

// unsubscribe is config.resource.unsubscribe; unknown subscriptions are
// skipped.
func (a *API) unsubscribe(r *http.Request, c call) (any, Code, string) {
	subs, code, d := a.subscriptionEntries(r, c, false)
	if code != CodeSuccess {
		return nil, code, d
	}
	if err := a.partners.Unsubscribe(r.Context(), c.partner.AppID, c.uid, subs); err != nil {
		return fromCore(err)
	}
	return nil, CodeSuccess, ""
}

// FailedRetention is how long failed pushes stay queryable (notes §4.3).
const FailedRetention = 12 * time.Hour

// failedMsg is one entry of query.push.errorMsg.
type failedMsg struct {
	MsgID    string `json:"msgId"`
	Content  string `json:"content"` // the pushed body's data, as sent
	Time     string `json:"time"`    // first failure, ms
	Attempts int    `json:"attempts"`
	State    string `json:"state"` // "pending", "delivered" or "dead"
	Error    string `json:"error"`
}

// pushErrors is query.push.errorMsg {appId?, openId?, startTime?, endTime?,
// size?, scanId?}: the partner's pushes that failed at least once in the
// last 12 hours, newest failure first, as {msg, scanId}; scanId continues
// the listing ("" at the end). Only the caller's own pushes are listed,
// whatever appId says.
func (a *API) pushErrors(r *http.Request, c call) (any, Code, string) {
	var data struct {
		OpenID    string  `json:"openId"`
		StartTime flexInt `json:"startTime"`
		EndTime   flexInt `json:"endTime"`
		Size      flexInt `json:"size"`
		ScanID    string  `json:"scanId"`
	}
	if err := decodeData(c.data, &data); err != nil {
		return nil, CodeParams, err.Error()
	}
	size := int(data.Size)
	if size == 0 {
		size = 30
	}
	if size < 1 || size > 300 {
		return nil, CodeParams, "size must be 1 to 300"
	}
	offset := 0
	if data.ScanID != "" {
		v, err := strconv.Atoi(data.ScanID)
		if err != nil || v < 0 {
			return nil, CodeParams, "scanId is not one this server gave"
		}
		offset = v
	}
	since := time.Now().Add(-FailedRetention)
	if st := time.UnixMilli(int64(data.StartTime)); data.StartTime > 0 && st.After(since) {
		since = st
	}
	ps, err := a.partners.FailedPushes(r.Context(), c.partner.AppID, since, size, offset)
	if err != nil {
		return fromCore(err)
	}
	next := "" // a page may hold fewer than size after the filters; scanId goes on
	if len(ps) == size {
		next = strconv.Itoa(offset + size)
	}
	out := []failedMsg{}
	for _, p := range ps {
		if data.EndTime > 0 && p.FailedAt.UnixMilli() > int64(data.EndTime) {
			continue
		}
		m, err := decodeMessage(p.Payload)
		if err != nil || (data.OpenID != "" && m.OpenID != data.OpenID) {
			continue
		}
		content, err := a.render(r.Context(), p.MsgID, m)
		if err != nil {
			continue
		}
		out = append(out, failedMsg{MsgID: p.MsgID, Content: string(content), Time: strconv.FormatInt(p.FailedAt.UnixMilli(), 10),
			Attempts: p.Attempts, State: pushStateName(p.State), Error: p.LastError})
	}
	return map[string]any{"msg": out, "scanId": next}, CodeSuccess, ""
}

// pushStateName names a store.PushState for the API.
func pushStateName(s store.PushState) string {
	switch s {
	case store.PushDelivered:
		return "delivered"
	case store.PushDead:
		return "dead"
	}
	return "pending"
}
