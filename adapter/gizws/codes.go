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

// The codes of /ws/app/v1.
const (
	CodeBadJSON        Code = 1001                        // not a JSON object with a string "cmd"
	CodeUnknownCmd     Code = 1002                        // cmd is not a command of the protocol
	CodeInvalidField   Code = 1004                        // data missing, or a field of the wrong type or range (also a c2s_raw that is not a P0 frame)
	CodeNotAllowed     Code = 1005                        // command not allowed under the session's p0_type
	CodeTooManySubs    Code = 1006                        // the session already watches Limits.MaxSubscriptions devices
	CodeLoginRequired  Code = 1009                        // "M2M socket has closed, please login again!": not logged in
	CodeNoHeartbeat    Code = 1011                        // "No heartbeat!": sent just before the server closes the socket
	CodeAppIDInvalid        = Code(gizerr.AppIDInvalid)   // 9003, login_res only
	CodeTokenInvalid        = Code(gizerr.TokenInvalid)   // 9004, login_res only (also a uid that is not the token's)
	CodeTokenExpired        = Code(gizerr.TokenExpired)   // 9006, login_res only
	CodeServerError         = Code(gizerr.ServerError)    // 9008
	CodeDeviceNotFound      = Code(gizerr.DeviceNotFound) // 9014
	CodeDeviceNotBound      = Code(gizerr.DeviceNotBound) // 9017, also for a did that does not exist (existence is not revealed)
	CodeDeviceDisabled      = Code(gizerr.DeviceDisabled) // 9023
	CodeAttrInvalid         = Code(gizerr.AttrInvalid)    // 9025: attrs or names the product schema refuses
	CodeDeviceOffline       = Code(gizerr.DeviceOffline)  // 9042
)

// Fixed texts clients match on (notes §6).
const (
	msgLoginRequired = "M2M socket has closed, please login again!"
	msgNoHeartbeat   = "No heartbeat!"
)

// deviceErrorCode maps a core error from a device command to its code.
// invalid is the code for core.ErrInvalidInput, which means bad attrs for
// c2s_write and a bad frame for c2s_raw.
func deviceErrorCode(err error, invalid Code) (Code, string) {
	switch {
	case errors.Is(err, core.ErrNotBound):
		return CodeDeviceNotBound, "device not bound"
	case errors.Is(err, core.ErrDeviceOffline):
		return CodeDeviceOffline, "device offline"
	case errors.Is(err, core.ErrDeviceNotFound):
		return CodeDeviceNotFound, "device not found"
	case errors.Is(err, core.ErrDeviceDisabled):
		return CodeDeviceDisabled, "device is disabled"
	case errors.Is(err, core.ErrInvalidInput):
		return invalid, err.Error()
	}
	return CodeServerError, "server error"
}

// loginErrorCode maps an authentication error to the code and text of a
// failed login_res.
func loginErrorCode(err error) (Code, string) {
	switch {
	case errors.Is(err, core.ErrTokenExpired):
		return CodeTokenExpired, "token expired"
	case errors.Is(err, core.ErrTokenInvalid), errors.Is(err, errUIDMismatch):
		return CodeTokenInvalid, "token invalid"
	case errors.Is(err, core.ErrAppNotFound):
		return CodeAppIDInvalid, "appid invalid"
	}
	return CodeServerError, "server error"
}

var errUIDMismatch = errors.New("gizws: uid is not the token's user")
