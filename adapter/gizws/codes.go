package gizws

import (
	"errors"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/core"
)

// Code is an s2c_invalid_msg error_code (also used in subscribe_res failed
// entries and, as an extra field, in a failed login_res).
//
// Two codes are fixed by real clients (notes §6): 1009 makes the Gizwits
// SDKs log in again on the same socket, and 1011 means "no heartbeat". 1003
// is left unused because heatzy treats it as "log in again". Protocol-level
// faults take the free 100x numbers; faults about a device reuse the
// Gizwits Open API codes (gizerr, notes §5.3), which the same clients
// already know from the HTTP API (9017 not bound, 9042 offline, ...).
type Code int

// The codes of /ws/app/v1. codeTable below is the one list of them with
// their texts; docs/protocol-gizwits.md must repeat it (docs_test.go).
const (
	CodeBadJSON        Code = 1001
	CodeUnknownCmd     Code = 1002
	CodeInvalidField   Code = 1004
	CodeNotAllowed     Code = 1005
	CodeTooManySubs    Code = 1006
	CodeLoginRequired  Code = 1009
	CodeNoHeartbeat    Code = 1011
	CodeAppIDInvalid        = Code(gizerr.AppIDInvalid)
	CodeTokenInvalid        = Code(gizerr.TokenInvalid)
	CodeTokenExpired        = Code(gizerr.TokenExpired)
	CodeServerError         = Code(gizerr.ServerError)
	CodeDeviceNotFound      = Code(gizerr.DeviceNotFound)
	CodeDeviceNotBound      = Code(gizerr.DeviceNotBound)
	CodeDeviceDisabled      = Code(gizerr.DeviceDisabled)
	CodeAttrInvalid         = Code(gizerr.AttrInvalid)
	CodeDeviceOffline       = Code(gizerr.DeviceOffline)
)

// codeTable gives each code its msg (what clients get; 1009 and 1011 are
// the vendor's exact texts, which clients match on, the 9xxx codes the
// HTTP API's messages) and when it is sent. A refusal about one value
// appends a detail to msg: "attr invalid: LED_R must be a number from 0
// to 254 in steps of 1".
var codeTable = []struct {
	code      Code
	msg, when string
}{
	{CodeBadJSON, "invalid message", "not a JSON object with a string `cmd`"},
	{CodeUnknownCmd, "unknown cmd", "`cmd` is not a command of the protocol"},
	{CodeInvalidField, "invalid field", "a missing or invalid field (did, raw bytes, sn, attrs/names types); a `c2s_raw` that is not a valid P0 frame to a device"},
	{CodeNotAllowed, "not allowed", "`c2s_read`, `c2s_write` or `c2s_ack` under `p0_type: custom`"},
	{CodeTooManySubs, "too many subscriptions", "subscription limit reached (`subscribe_res` failed entry)"},
	{CodeLoginRequired, "M2M socket has closed, please login again!", "a command before a successful login (clients log in again on it)"},
	{CodeNoHeartbeat, "No heartbeat!", "no message or ping frame for two heartbeat intervals; the socket is then closed"},
	{CodeAppIDInvalid, gizerr.AppIDInvalid.Message(), "failed `login_res`: no application has that appid (whatever the token)"},
	{CodeTokenInvalid, gizerr.TokenInvalid.Message(), "failed `login_res`: token unknown, of another app, an app token, or not that uid's; `s2c_invalid_msg` when the session's token is revoked (the session is logged out)"},
	{CodeTokenExpired, gizerr.TokenExpired.Message(), "failed `login_res`: token expired (clients log in again); `s2c_invalid_msg` when the session's token expires (the session is logged out)"},
	{CodeServerError, gizerr.ServerError.Message(), "internal error (logged with the request id; no detail to the client)"},
	{CodeDeviceNotFound, gizerr.DeviceNotFound.Message(), "device not found"},
	{CodeDeviceNotBound, gizerr.DeviceNotBound.Message(), "device not bound to the user (also for unknown dids)"},
	{CodeDeviceDisabled, gizerr.DeviceDisabled.Message(), "device disabled"},
	{CodeAttrInvalid, gizerr.AttrInvalid.Message(), "a datapoint name or value the product schema refuses; msg names the datapoint"},
	{CodeDeviceOffline, gizerr.DeviceOffline.Message(), "device offline"},
}

// Message is the msg text of a code without detail.
func (c Code) Message() string {
	for _, e := range codeTable {
		if e.code == c {
			return e.msg
		}
	}
	return ""
}

// Fixed texts clients match on (notes §6).
var (
	msgLoginRequired = CodeLoginRequired.Message()
	msgNoHeartbeat   = CodeNoHeartbeat.Message()
)

// withDetail is a code's message followed by what exactly was refused,
// when there is anything to say.
func withDetail(c Code, detail string) string {
	if detail == "" {
		return c.Message()
	}
	return c.Message() + ": " + detail
}

// deviceErrorCode maps a core error from a device command to its code and
// msg. invalid is the code for core.ErrInvalidInput, which means bad
// attrs for c2s_write and a bad frame for c2s_raw. The msg never carries
// the error's own text: only core.Detail, which names the field and says
// what it takes, reaches the client; the caller logs the rest.
func deviceErrorCode(err error, invalid Code) (Code, string) {
	code := CodeServerError
	switch {
	case errors.Is(err, core.ErrNotBound):
		code = CodeDeviceNotBound
	case errors.Is(err, core.ErrDeviceOffline):
		code = CodeDeviceOffline
	case errors.Is(err, core.ErrDeviceNotFound):
		code = CodeDeviceNotFound
	case errors.Is(err, core.ErrDeviceDisabled):
		code = CodeDeviceDisabled
	case errors.Is(err, core.ErrInvalidInput):
		return invalid, withDetail(invalid, core.Detail(err))
	}
	return code, code.Message()
}

// loginErrorCode maps an authentication error to the code and text of a
// failed login_res.
func loginErrorCode(err error) (Code, string) {
	code := CodeServerError
	switch {
	case errors.Is(err, core.ErrAppNotFound):
		code = CodeAppIDInvalid
	case errors.Is(err, core.ErrTokenExpired):
		code = CodeTokenExpired
	case errors.Is(err, core.ErrTokenInvalid), errors.Is(err, errUIDMismatch):
		code = CodeTokenInvalid
	}
	return code, code.Message()
}

var errUIDMismatch = errors.New("gizws: uid is not the token's user")
