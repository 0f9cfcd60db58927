package aqara

import (
	"encoding/json"
	"net/http"

	"github.com/switchboard-iot/switchboard/core"
)

// envelope is every response body (notes §1.4). requestId and message are
// always strings (the Rust SDK and aqara_capi fail to decode otherwise);
// result is always present, null when there is none, because aqara_capi's
// model requires the key even on errors (notes §7).
type envelope struct {
	Code       Code    `json:"code"`
	RequestID  string  `json:"requestId"`
	Message    string  `json:"message"`
	MsgDetails *string `json:"msgDetails"`
	Result     any     `json:"result"`
}

// newRequestID is a fresh random id per request (32 hex characters).
func newRequestID() string { return core.NewKey() }

// write answers HTTP 200 with the envelope: Aqara carries every outcome,
// errors included, in code (notes §1.1). details, when not empty, goes to
// msgDetails; otherwise msgDetails is null.
func write(w http.ResponseWriter, reqID string, c Code, details string, result any) {
	env := envelope{Code: c, RequestID: reqID, Message: c.Message(), Result: result}
	if details != "" {
		env.MsgDetails = &details
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(env)
}
