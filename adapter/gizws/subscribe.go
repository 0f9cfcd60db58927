package gizws

import (
	"context"
	"errors"

	"github.com/switchboard-iot/switchboard/core"
)

// subscribeRequest answers subscribe_req: every entry is checked against
// the user's bindings and the subscription limit, subscribe_res lists each
// in success or failed, and then every subscribed device's current online
// status follows (clients show devices offline until they hear otherwise).
func (s *session) subscribeRequest(ctx context.Context, uid string, entries []SubscribeEntry) {
	s.mu.Lock()
	gen, room := s.gen, s.srv.limits.MaxSubscriptions-len(s.subs)
	has := func(did string) bool { _, ok := s.subs[did]; return ok }
	already := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.Valid && has(e.DID) {
			already[e.DID] = true
		}
	}
	s.mu.Unlock()

	ok := make([]subResult, 0, len(entries))
	failed := make([]subResult, 0)
	dids := make([]string, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if !e.Valid {
			failed = append(failed, subResult{DID: e.DID, Code: CodeInvalidField, Msg: withDetail(CodeInvalidField, "did must be a non-empty string")})
			continue
		}
		if _, err := s.srv.node.Binding(ctx, uid, e.DID); err != nil {
			code, msg := deviceErrorCode(err, CodeInvalidField)
			if code == CodeServerError {
				s.srv.log.Warn("ws subscribe: check binding", "client", s.id, "did", e.DID, "err", err)
			}
			failed = append(failed, subResult{DID: e.DID, Code: code, Msg: msg})
			continue
		}
		if !already[e.DID] && !seen[e.DID] {
			if room <= 0 {
				failed = append(failed, subResult{DID: e.DID, Code: CodeTooManySubs, Msg: CodeTooManySubs.Message()})
				continue
			}
			room--
		}
		ok = append(ok, subResult{DID: e.DID, Msg: "ok"})
		if !seen[e.DID] {
			seen[e.DID] = true
			dids = append(dids, e.DID)
		}
	}
	// subscribe_res goes out before the subscriptions exist, so no event of
	// these devices can overtake it.
	s.send(renderSubscribeRes(ok, failed))
	s.attach(ctx, uid, gen, dids)
}

// subscribeAll is auto_subscribe: every bound device, up to the limit. No
// subscribe_res is sent (clients using auto_subscribe do not expect one,
// notes §6); the online statuses are.
func (s *session) subscribeAll(ctx context.Context, uid string, gen uint64) {
	const page = 500
	limit := s.srv.limits.MaxSubscriptions
	var dids []string
	for off := 0; len(dids) < limit; off += page {
		bs, err := s.srv.node.Bindings(ctx, uid, page, off)
		if err != nil {
			s.srv.log.Warn("ws auto_subscribe: list bindings", "client", s.id, "uid", uid, "err", err)
			break
		}
		for _, b := range bs {
			dids = append(dids, b.DID)
		}
		if len(bs) < page {
			break
		}
	}
	if len(dids) > limit {
		s.srv.log.Info("ws auto_subscribe: subscription limit reached", "client", s.id, "uid", uid, "bound", len(dids), "limit", limit)
		dids = dids[:limit]
	}
	s.attach(ctx, uid, gen, dids)
}

// attach subscribes the session to dids, whose bindings the caller has
// checked, then sends each device's online status.
//
// The order makes the last status a client sees the true one without
// holding a lock across store reads: the subscription exists before the
// device row is read, so every transition published after that reaches the
// session as an event; the snapshot is sent only if no such event has
// been queued yet (an event queued first is at least as new, and any later
// transition follows as its own event). A binding removed between the
// caller's check and the subscription is caught by checking again.
func (s *session) attach(ctx context.Context, uid string, gen uint64, dids []string) {
	added := dids[:0:0]
	s.mu.Lock()
	for _, did := range dids {
		if s.ended || s.gen != gen {
			break
		}
		sb := s.subs[did]
		if sb == nil {
			if len(s.subs) >= s.srv.limits.MaxSubscriptions {
				continue
			}
			sb = &sub{}
			s.subs[did] = sb
			s.srv.hub.watch(did, s)
			if err := s.srv.presence.Add(did, s.id); err != nil {
				s.srv.log.Warn("ws presence add", "did", did, "err", err)
			}
		}
		sb.statusSent = false
		added = append(added, did)
	}
	s.mu.Unlock()

	for _, did := range added {
		if _, err := s.srv.node.Binding(ctx, uid, did); errors.Is(err, core.ErrNotBound) {
			s.mu.Lock()
			if s.gen == gen {
				s.dropLocked(did)
			}
			s.mu.Unlock()
			continue
		}
		d, err := s.srv.node.Device(ctx, did)
		if err != nil {
			s.srv.log.Info("ws subscribe: read device", "did", did, "err", err)
			continue
		}
		msg := renderOnlineStatus(d.DID, d.Passcode, d.MAC, d.Online)
		s.mu.Lock()
		if sb := s.subs[did]; sb != nil && s.gen == gen && !sb.statusSent {
			s.sendStatusLocked(sb, d.Online, msg)
		}
		s.mu.Unlock()
	}
}

// dropLocked ends the subscription to did; s.mu must be held.
func (s *session) dropLocked(did string) {
	if _, ok := s.subs[did]; !ok {
		return
	}
	delete(s.subs, did)
	s.srv.hub.unwatch(did, s)
	if err := s.srv.presence.Remove(did, s.id); err != nil {
		s.srv.log.Warn("ws presence remove", "did", did, "err", err)
	}
}
