package interconnect

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/relay"
)

var errTooManyDiagnoses = errors.New("too many diagnoses at once")

// opTimeout bounds the store work of one request.
const opTimeout = 10 * time.Second

// watchRequest runs send, state and diagnosis.
func (s *session) watchRequest(f Frame) {
	switch f.Type {
	case "send":
		err := s.srv.ic.SendFromWatch(s.ctx, s.h, f.Data)
		s.result(f.ID, watchCode(err), err, nil)
	case "state":
		st := WatchStateClosed
		if s.srv.ic.Paired(s.h) {
			st = WatchStateOpen
		}
		s.result(f.ID, WatchOK, nil, func(r *resultFrame) { r.Status = &st })
	case "diagnosis":
		// Diagnosis may wait many seconds; it runs beside the reader so the
		// watch's sends are not held up behind it.
		if int(s.diagnoses.Add(1)) > s.srv.limits.MaxDiagnoses {
			s.diagnoses.Add(-1)
			s.result(f.ID, WatchDuplicate, errTooManyDiagnoses, nil)
			return
		}
		s.workers.Add(1)
		go func() {
			defer s.workers.Done()
			defer s.diagnoses.Add(-1)
			st, text, err := s.srv.ic.Diagnose(s.ctx, s.h, time.Duration(f.TimeoutMS)*time.Millisecond)
			if err != nil {
				s.result(f.ID, WatchSystemError, err, nil)
				return
			}
			s.result(f.ID, WatchOK, nil, func(r *resultFrame) { r.Status, r.Message = &st, text })
		}()
	}
}

// phoneRequest runs the Xiaomi Wear SDK calls.
func (s *session) phoneRequest(f Frame) {
	ctx, cancel := context.WithTimeout(s.ctx, opTimeout)
	defer cancel()
	var err error
	var fill func(*resultFrame)
	switch f.Type {
	case "send":
		if f.Node == "" {
			s.refuse(f.ID, "a phone's send needs node, the watch did")
			return
		}
		err = s.srv.ic.SendFromPhone(ctx, s.h, f.Node, f.Data)
	case "nodes":
		var nodes []relay.NodeInfo
		if nodes, err = s.srv.ic.Nodes(ctx, s.h); err == nil {
			views := make([]nodeView, len(nodes))
			for i, n := range nodes {
				views[i] = nodeView{ID: n.ID, Name: n.Name}
			}
			fill = func(r *resultFrame) { r.Nodes = views }
		}
	case "installed":
		var ok bool
		if ok, err = s.srv.ic.Installed(ctx, s.h, f.Node); err == nil {
			fill = func(r *resultFrame) { r.Installed = &ok }
		}
	case "check_permissions":
		var granted []bool
		if granted, err = s.srv.ic.CheckPermissions(ctx, s.h, f.Node, f.Permissions); err == nil {
			fill = func(r *resultFrame) { r.Granted = granted }
		}
	case "request_permissions":
		var perms []string
		if perms, err = s.srv.ic.RequestPermissions(ctx, s.h, f.Node, f.Permissions); err == nil {
			fill = func(r *resultFrame) { r.Permissions = perms }
		}
	case "listen":
		err = s.srv.ic.Listen(ctx, s.h, f.Node)
	case "unlisten":
		s.srv.ic.Unlisten(s.h, f.Node)
	}
	s.result(f.ID, phoneCode(err), err, fill)
}

// result queues a result frame. Errors the client can act on carry the
// relay's (or core's) text; anything else is logged and reported as internal.
func (s *session) result(id int64, code int, err error, fill func(*resultFrame)) {
	r := resultFrame{Type: "result", ID: id, Code: code}
	if err != nil {
		r.Message = s.errorText(err)
	}
	if fill != nil {
		fill(&r)
	}
	s.send(render(r))
}

func (s *session) errorText(err error) string {
	if d := core.Detail(err); d != "" { // a refused value: its own words only
		return d
	}
	for _, known := range []error{relay.ErrDisconnected, relay.ErrTimeout, relay.ErrTooLarge, relay.ErrNotInstalled,
		relay.ErrSignature, relay.ErrPermission, core.ErrInvalidInput, errTooManyDiagnoses} {
		if errors.Is(err, known) {
			return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "relay: "), "core: ")
		}
	}
	s.srv.log.Error("interconnect request failed", "remote", s.remote, "role", s.role, "err", err)
	return "internal error; see the server log"
}
