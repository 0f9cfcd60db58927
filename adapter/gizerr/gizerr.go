// Package gizerr holds the Gizwits HTTP error codes (notes §5.3) and writes
// them in the Gizwits error body, so every Gizwits-facing adapter answers
// the same code with the same status and text.
package gizerr

import (
	"encoding/json"
	"net/http"
)

// Code is a Gizwits error code.
type Code int

// The codes Switchboard emits; HTTP statuses follow the Gizwits Open API
// table (notes §5.3).
const (
	ProductKeyInvalid   Code = 9002
	AppIDInvalid        Code = 9003
	TokenInvalid        Code = 9004
	UserNotExist        Code = 9005
	TokenExpired        Code = 9006
	ServerError         Code = 9008
	DeviceNotFound      Code = 9014
	FormInvalid         Code = 9015
	DIDPasscodeInvalid  Code = 9016
	DeviceNotBound      Code = 9017
	PhoneUnavailable    Code = 9018
	UsernameUnavailable Code = 9019
	UsernamePassword    Code = 9020
	EmailUnavailable    Code = 9022
	DeviceDisabled      Code = 9023
	AttrInvalid         Code = 9025
	AppAuthInvalid      Code = 9038
	Throttled           Code = 9041
	DeviceOffline       Code = 9042
	TimestampInvalid    Code = 9043
	SignatureInvalid    Code = 9044
	// MethodNotAllowedErr answers a call to an endpoint or method
	// Switchboard does not implement (groups, scenes, sharing, ...).
	MethodNotAllowedErr Code = 9045
)

var table = map[Code]struct {
	status  int
	message string
}{
	ProductKeyInvalid:   {400, "product_key invalid"},
	AppIDInvalid:        {400, "appid invalid"},
	TokenInvalid:        {400, "token invalid"},
	UserNotExist:        {400, "user not exist"},
	TokenExpired:        {400, "token expired"},
	ServerError:         {500, "server error"},
	DeviceNotFound:      {404, "device not found"},
	FormInvalid:         {400, "form invalid"},
	DIDPasscodeInvalid:  {400, "did or passcode invalid"},
	DeviceNotBound:      {401, "device not bound"},
	PhoneUnavailable:    {400, "phone unavailable"},
	UsernameUnavailable: {400, "username unavailable"},
	UsernamePassword:    {400, "username or password error"},
	EmailUnavailable:    {400, "email unavailable"},
	DeviceDisabled:      {400, "device is disabled"},
	AttrInvalid:         {400, "attr invalid"},
	AppAuthInvalid:      {400, "X-Gizwits-Application-Auth invalid"},
	Throttled:           {429, "request was throttled"},
	DeviceOffline:       {400, "device offline"},
	TimestampInvalid:    {400, "X-Gizwits-Timestamp invalid"},
	SignatureInvalid:    {400, "X-Gizwits-Signature invalid"},
	MethodNotAllowedErr: {400, "API not supported"},
}

// Status is the HTTP status that goes with a code.
func (c Code) Status() int {
	if e, ok := table[c]; ok {
		return e.status
	}
	return http.StatusBadRequest
}

// Message is the standard text of a code.
func (c Code) Message() string { return table[c].message }

// Body is the Gizwits error body. error_code is an integer because the
// Python clients compare it with integers (notes §5.3).
type Body struct {
	ErrorCode     Code   `json:"error_code"`
	ErrorMessage  string `json:"error_message"`
	DetailMessage string `json:"detail_message"`
}

// Write answers with code's status and body; detail says what exactly was
// wrong and may be empty.
func Write(w http.ResponseWriter, c Code, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(c.Status())
	_ = json.NewEncoder(w).Encode(Body{ErrorCode: c, ErrorMessage: c.Message(), DetailMessage: detail})
}

// All lists every code Switchboard emits, for GET /errors and the docs.
func All() []Code {
	out := make([]Code, 0, len(table))
	for c := range table {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ { // insertion sort: a stable, small list
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
