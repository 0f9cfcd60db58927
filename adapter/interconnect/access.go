package interconnect

import (
	"context"
	"errors"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/relay"
)

// recheck authenticates a registered session again. The relay ends
// sessions whose access ends (relay/access.go), but only those
// it knows: a token revoked or a device disabled between the hello's check
// and the registration would otherwise leave this session open. False
// when the session is being closed (4401, the reason naming the cause).
func (s *session) recheck(ctx context.Context, f Frame, uid string) bool {
	var err error
	if f.Role == "watch" {
		_, err = s.srv.ic.AuthenticateWatch(ctx, f.DID, f.Passcode, uid)
	} else {
		_, _, err = s.srv.ic.AuthenticatePhone(ctx, f.AppID, f.Token)
	}
	if err == nil {
		return true
	}
	s.srv.log.Info("access ended during hello", "remote", s.remote, "role", f.Role, "did", f.DID, "err", err)
	s.close(wssession.Reason{Code: relay.CloseAccessEnded, Why: accessEndedReason(err)})
	return false
}

// accessEndedReason names why a recheck failed, as the core's events do.
func accessEndedReason(err error) string {
	switch {
	case errors.Is(err, core.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, core.ErrTokenInvalid):
		return "token revoked"
	case errors.Is(err, core.ErrDeviceDisabled):
		return "device disabled"
	case errors.Is(err, core.ErrBadCredentials):
		return "device registered again"
	case errors.Is(err, core.ErrNotBound):
		return "device unbound"
	}
	return "access check failed"
}
