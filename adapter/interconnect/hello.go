package interconnect

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/relay"
)

// hello authenticates the client, checks its certificate (and proof), and
// registers it; false when the connection is being closed.
func (s *session) hello(f Frame) bool {
	cert, err := relay.ParseCertificate(f.Certificate)
	if err != nil {
		s.srv.log.Info("hello refused: certificate", "remote", s.remote, "role", f.Role, "err", err)
		s.fatal(CloseBadHello, certificateMessage(err))
		return false
	}
	proven := false
	switch {
	case len(f.Proof) > 0:
		if err := relay.VerifyProof(cert, s.nonce, f.Proof); err != nil {
			s.srv.log.Info("hello refused: proof", "remote", s.remote, "role", f.Role, "err", err)
			s.fatal(CloseForbidden, "the proof of possession does not verify: sign this connection's challenge nonce with the certificate's key")
			return false
		}
		proven = true
	case s.srv.proof:
		s.fatal(CloseForbidden, "this relay requires a proof of possession: sign the challenge nonce with the certificate's key")
		return false
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	uid := ""
	var grant core.TokenGrant
	if f.Role == "watch" {
		uid, err = s.srv.ic.AuthenticateWatch(ctx, f.DID, f.Passcode, f.UserID)
	} else {
		uid, grant, err = s.srv.ic.AuthenticatePhone(ctx, f.AppID, f.Token)
	}
	if err != nil {
		s.srv.log.Info("hello refused", "remote", s.remote, "role", f.Role, "did", f.DID, "err", err)
		s.fatal(helloClose(err), helloMessage(err))
		return false
	}
	s.role = f.Role
	welcome := func() {
		s.send(render(welcomeFrame{Type: "welcome", Role: f.Role, UserID: uid, Package: f.Package,
			Fingerprint: cert.Fingerprint(), FingerprintSHA256: cert.FingerprintSHA256(), Proven: proven}))
	}
	if f.Role == "watch" {
		s.h, err = s.srv.ic.RegisterWatch(ctx, uid, f.DID, f.Package, cert, s, welcome)
	} else {
		s.h, err = s.srv.ic.RegisterPhone(ctx, uid, f.Package, cert, grant, s, welcome)
	}
	if err != nil {
		s.fatal(helloClose(err), helloMessage(err))
		return false
	}
	s.registered.Store(true)
	if !s.recheck(ctx, f, uid) {
		return false
	}
	s.srv.log.Info("session registered", "remote", s.remote, "role", f.Role, "uid", uid, "package", f.Package,
		"did", f.DID, "fingerprint", cert.Fingerprint(), "proven", proven)
	return true
}

// helloMessage explains a refused hello without leaking internals.
func helloMessage(err error) string {
	switch {
	case errors.Is(err, core.ErrBadCredentials):
		return "bad did or passcode"
	case errors.Is(err, core.ErrDeviceDisabled):
		return "the watch device is disabled"
	case errors.Is(err, core.ErrTokenInvalid), errors.Is(err, core.ErrAppNotFound):
		return "bad appid or token"
	case errors.Is(err, core.ErrTokenExpired):
		return "the token has expired; log in again"
	case errors.Is(err, core.ErrNotBound):
		return "the watch is not bound to that user"
	case errors.Is(err, relay.ErrAmbiguousUser):
		return "the watch is bound to several users; give user_id"
	}
	return "internal error; see the server log"
}

// certificateMessage is what the client is told of a refused certificate:
// the reason the relay gives after its sentinel ("empty", "not a DER
// certificate", ...), never a parser's own error text.
func certificateMessage(err error) string {
	reason, ok := strings.CutPrefix(err.Error(), relay.ErrCertificate.Error()+": ")
	if !ok || strings.ContainsAny(reason, ":\n") {
		return "bad certificate"
	}
	return "bad certificate: " + reason
}
