package interconnect

import (
	"errors"
	"fmt"
)

// Close codes the relay ends a session with (docs/protocol-interconnect.md
// §8). The range 4400-4499 is final: the same client must not dial again
// with the same configuration, see Final.
const (
	CloseBadHello     = 4400
	CloseBadAuth      = 4401 // bad or revoked credentials
	CloseForbidden    = 4403
	CloseHelloTimeout = 4408
	CloseReplaced     = 4409 // a newer session of the same app signed in
)

// ErrReplaced: the relay closed this session because a newer session of
// the same app (same role, package and identity) signed in. Dialling again
// would replace that one in turn, and so on for ever.
var ErrReplaced = errors.New("interconnect: replaced by a newer session of the same app")

// ClosedError is how the relay ended a session after its welcome: Code is
// the WebSocket close code (1001 server shutting down, 4401 credentials
// revoked, 4403 forbidden, 4409 replaced ...) and Reason the relay's text.
// Calls on the ended connection return it; errors.Is(err, ErrClosed) holds,
// and errors.Is(err, ErrReplaced) for 4409.
type ClosedError struct {
	Code   int
	Reason string
}

func (e *ClosedError) Error() string {
	return fmt.Sprintf("interconnect: connection closed by the relay (%d): %s", e.Code, e.Reason)
}

// Is makes a relay close match ErrClosed, and ErrReplaced for 4409.
func (e *ClosedError) Is(target error) bool {
	return target == ErrClosed || (target == ErrReplaced && e.Code == CloseReplaced)
}

// Final reports whether err says the relay refused or ended the session for
// good (a *HelloError or *ClosedError with a code in 4400-4499): a client
// that reconnects on errors must stop and report it instead, since dialling
// again with the same configuration cannot help, and after 4409 it would
// take the session back from the newer one. A dropped link (1006), a server
// going away (1001) and network errors are not final.
func Final(err error) bool {
	var he *HelloError
	if errors.As(err, &he) {
		return finalCode(he.Code)
	}
	var ce *ClosedError
	if errors.As(err, &ce) {
		return finalCode(ce.Code)
	}
	return false
}

func finalCode(code int) bool { return code >= 4400 && code <= 4499 }
