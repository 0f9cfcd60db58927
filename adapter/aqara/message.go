package aqara

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"

	"github.com/switchboard-iot/switchboard/partners"
)

// Push messages in the Aqara formats (notes aqara.md §4.4), rendered from
// the core's PartnerMessage at delivery time: the outbox keeps the core's
// payload and its msgId, so a retry renders the same message again.
//
//   - a report of subscribed resources is a resource_report message;
//   - online/offline are gateway_online/gateway_offline events (a
//     Switchboard device connects on its own, like a gateway);
//   - bind/unbind are gateway_bind/gateway_unbind events (unbind cause 3,
//     "from cloud").
//
// Times are strings of epoch ms, except triggerSource.time in seconds.

func decodeMessage(payload []byte) (partners.PartnerMessage, error) {
	var m partners.PartnerMessage
	err := json.Unmarshal(payload, &m)
	return m, err
}

type reportItem struct {
	SubjectID     string        `json:"subjectId"`
	ResourceID    string        `json:"resourceId"`
	Value         string        `json:"value"`
	Time          string        `json:"time"`
	StatusCode    int           `json:"statusCode"`
	TriggerSource triggerSource `json:"triggerSource"`
	Attach        string        `json:"attach,omitempty"`
}

// triggerSource type 10 is "device itself": the device reported.
type triggerSource struct {
	Type int    `json:"type"`
	Time string `json:"time"`
}

type reportMessage struct {
	OpenID  string       `json:"openId"`
	MsgID   string       `json:"msgId"`
	Time    string       `json:"time"`
	MsgType string       `json:"msgType"`
	Data    []reportItem `json:"data"`
}

type eventMessage struct {
	OpenID    string         `json:"openId"`
	MsgID     string         `json:"msgId"`
	Time      string         `json:"time"`
	EventType string         `json:"eventType"`
	Data      map[string]any `json:"data"`
}

// render returns the message JSON of one push.
func (a *API) render(ctx context.Context, msgID string, m partners.PartnerMessage) ([]byte, error) {
	ms := strconv.FormatInt(m.At.UnixMilli(), 10)
	switch m.Kind {
	case partners.MessageReport:
		schema, err := a.node.Schema(ctx, m.ProductKey)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(m.Attrs))
		for name := range m.Attrs {
			names = append(names, name)
		}
		sort.Strings(names) // one msgId, one body: render deterministically
		out := reportMessage{OpenID: m.OpenID, MsgID: msgID, Time: ms, MsgType: "resource_report", Data: []reportItem{}}
		for _, name := range names {
			// A resource the product no longer has, or a value that does not
			// fit it, is left out of the message, never silently.
			i, ok := schema.Lookup(name)
			if !ok {
				a.log.Warn("push item dropped: no such resource", "msg_id", msgID, "did", m.DID, "resource", name)
				continue
			}
			v, err := resourceValue(schema.Field(i), m.Attrs[name])
			if err != nil {
				a.log.Warn("push item dropped: value does not fit the resource", "msg_id", msgID, "did", m.DID,
					"resource", name, "err", err)
				continue
			}
			out.Data = append(out.Data, reportItem{SubjectID: m.DID, ResourceID: name, Value: v, Time: ms,
				TriggerSource: triggerSource{Type: 10, Time: strconv.FormatInt(m.At.Unix(), 10)}, Attach: m.Attach[name]})
		}
		return json.Marshal(out)
	default:
		ev := eventMessage{OpenID: m.OpenID, MsgID: msgID, Time: ms, Data: map[string]any{"did": m.DID, "time": ms}}
		switch m.Kind {
		case partners.MessageOnline:
			ev.EventType = "gateway_online"
		case partners.MessageOffline:
			ev.EventType = "gateway_offline"
		case partners.MessageBind:
			ev.EventType = "gateway_bind"
			ev.Data["model"] = m.ProductKey
		default:
			ev.EventType = "gateway_unbind"
			ev.Data["cause"] = 3
		}
		return json.Marshal(ev)
	}
}

// pushBody is what is POSTed: the App SDK push body (spec 003), {token,
// data}, where data is the message JSON as a string and token the openId
// of the account the message is about.
type pushBody struct {
	Token string `json:"token"`
	Data  string `json:"data"`
}
