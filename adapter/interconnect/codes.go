package interconnect

import (
	"errors"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/relay"
)

// Watch-side codes: the Vela document's, plus 1009 for an oversize message
// (a Switchboard addition, borrowed from WebSocket's "message too big" as
// 1000, 1001 and 1006 are WebSocket close codes too).
const (
	WatchOK           = 0
	WatchStateOpen    = 1
	WatchStateClosed  = 2
	WatchSystemError  = 200 // common code: generic system error
	WatchBadParams    = 202 // common code: call does not match the API
	WatchTimeout      = 204
	WatchDuplicate    = 205 // common code: too many diagnoses at once
	WatchOthers       = 1000
	WatchUninstalled  = 1001
	WatchDisconnected = 1006
	WatchTooLarge     = 1009
)

// Phone-side codes: com.xiaomi.xms.wearable.Status (notes §2.4), plus -9
// for an oversize message (a Switchboard addition).
const (
	StatusSuccess           = 0
	StatusCancelled         = -1 // also "failed" for refused input
	StatusTimeout           = -2
	StatusInterrupted       = -3 // set by SDKs: the relay link dropped mid-call
	StatusDisconnected      = -4
	StatusPackageNotInstall = -5
	StatusSignatureFailed   = -6
	StatusPermissionDenied  = -7
	StatusAppNotInstalled   = -8 // set by SDKs: the relay cannot be reached
	StatusTooLarge          = -9
)

// Close codes of the WebSocket itself, for a refused hello and the like.
// 4xxx is the range RFC 6455 leaves to applications. 4400-4499 are final:
// no SDK reconnects after them (after 4409 it would replace the newer
// session in turn, for ever); keep retryable closes out of that range.
const (
	CloseBadHello     = 4400
	CloseBadAuth      = 4401
	CloseForbidden    = 4403
	CloseHelloTimeout = 4408
	CloseReplaced     = 4409
)

// watchCode maps a relay or core error to the watch's code.
func watchCode(err error) int {
	switch {
	case err == nil:
		return WatchOK
	case errors.Is(err, relay.ErrDisconnected):
		return WatchDisconnected
	case errors.Is(err, relay.ErrTimeout):
		return WatchTimeout
	case errors.Is(err, relay.ErrTooLarge):
		return WatchTooLarge
	case errors.Is(err, core.ErrInvalidInput):
		return WatchBadParams
	}
	return WatchSystemError
}

// phoneCode maps a relay or core error to the phone's Status code.
func phoneCode(err error) int {
	switch {
	case err == nil:
		return StatusSuccess
	case errors.Is(err, relay.ErrDisconnected):
		return StatusDisconnected
	case errors.Is(err, relay.ErrTimeout):
		return StatusTimeout
	case errors.Is(err, relay.ErrNotInstalled):
		return StatusPackageNotInstall
	case errors.Is(err, relay.ErrSignature):
		return StatusSignatureFailed
	case errors.Is(err, relay.ErrPermission):
		return StatusPermissionDenied
	case errors.Is(err, relay.ErrTooLarge):
		return StatusTooLarge
	}
	return StatusCancelled
}

// helloClose maps a failed hello to a close code.
func helloClose(err error) int {
	switch {
	case errors.Is(err, core.ErrBadCredentials), errors.Is(err, core.ErrTokenInvalid),
		errors.Is(err, core.ErrTokenExpired), errors.Is(err, core.ErrAppNotFound):
		return CloseBadAuth
	case errors.Is(err, relay.ErrCertificate):
		return CloseBadHello
	}
	return CloseForbidden
}
