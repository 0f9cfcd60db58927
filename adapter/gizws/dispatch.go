package gizws

import (
	"encoding/json"

	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
)

// The three bus handlers below are the node's only subscriptions (one per
// event kind, not one per session). Each runs on its own bus goroutine,
// one event at a time, so its scratch slice needs no lock. They never wait
// for a client: session.send drops a session whose queue is full.

// onData renders a device's data event once per form and queues it for the
// sessions concerned: the one whose client id it is addressed to (the
// device answered that app's 0x0093 on dev2app/<did>/<clientid>), or every
// session subscribed to the device.
func (srv *Server) onData(subject string, data []byte) {
	// Every node sees every device's events; most concern devices nobody
	// here watches, and addressed replies go only to subscribed sessions
	// too, so skip those before paying for the JSON decode.
	if did, ok := core.DIDOfSubject(subject); ok && !srv.hub.watched(did) {
		return
	}
	ev, err := core.DecodeDeviceEvent(data)
	if err != nil {
		srv.log.Warn("ws: bad data event", "err", err)
		return
	}
	targets := srv.dataScratch[:0]
	if ev.ClientID != "" {
		if s := srv.hub.client(ev.ClientID); s != nil {
			targets = append(targets, s)
		}
	} else {
		targets = srv.hub.watchers(targets, ev.DID)
	}
	r := rendered{ev: &ev}
	for _, s := range targets {
		s.deliverData(&r)
	}
	clear(targets)
	srv.dataScratch = targets[:0]
}

// rendered builds each wire form of one event at most once.
type rendered struct {
	ev             *core.DeviceEvent
	raw, noti, ack []byte
}

func (r *rendered) rawMsg() []byte {
	if r.raw == nil {
		r.raw = renderRaw(r.ev.DID, r.ev.Raw)
	}
	return r.raw
}

func (r *rendered) notiMsg(field snField) []byte {
	if r.noti == nil {
		r.noti = renderNoti(r.ev.DID, r.ev.Attrs, field, r.ev.SN)
	}
	return r.noti
}

func (r *rendered) ackMsg() []byte {
	if r.ack == nil {
		r.ack = renderAck(r.ev.DID, r.ev.SN)
	}
	return r.ack
}

// deliverData picks the form for this session (document §5, §6):
//   - custom sessions get every frame as s2c_raw;
//   - attrs_v4 sessions get raw frames (transparent data, gateway actions,
//     undecodable payloads) as s2c_raw, datapoints as s2c_noti with res_sn
//     (a 0x0094 answering this session's req_sn) or req_sn (a device 0x0093
//     that wants c2s_ack), and an empty 0x0094 for this session as s2c_ack.
//
// Nothing is sent for a device the session is not subscribed to, checked
// under the lock that unsubscribing takes.
func (s *session) deliverData(r *rendered) {
	ev := r.ev
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.subs[ev.DID] == nil {
		return
	}
	addressed := ev.ClientID != "" && ev.ClientID == s.id
	if s.custom {
		s.send(r.rawMsg())
		return
	}
	switch ev.Kind {
	case core.EventRaw:
		s.send(r.rawMsg())
	case core.EventAck:
		if addressed && ev.HasSN {
			s.send(r.ackMsg())
		}
	case core.EventReport, core.EventReply:
		// Only one form per event reaches a session, so the cache holds it.
		field := snNone
		switch {
		case ev.HasSN && ev.Cmd == p0.CmdAckSN && addressed:
			field = snRes
		case ev.HasSN && ev.Cmd == p0.CmdWithSN:
			field = snReq
		}
		s.send(r.notiMsg(field))
	}
}

// onStatus tells subscribed sessions a device came online or went offline.
// The event has no passcode, so the device row is read once per event (only
// when someone watches).
func (srv *Server) onStatus(_ string, data []byte) {
	ev, err := core.DecodeDeviceEvent(data)
	if err != nil {
		srv.log.Warn("ws: bad status event", "err", err)
		return
	}
	if ev.Kind != core.EventOnline && ev.Kind != core.EventOffline {
		return
	}
	targets := srv.hub.watchers(srv.statusScratch[:0], ev.DID)
	defer func() { clear(targets); srv.statusScratch = targets[:0] }()
	if len(targets) == 0 {
		return
	}
	passcode, mac := "", ev.MAC
	ctx, cancel := srv.opContext()
	d, err := srv.node.Device(ctx, ev.DID)
	cancel()
	if err == nil {
		passcode = d.Passcode
		if mac == "" {
			mac = d.MAC
		}
	}
	online := ev.Kind == core.EventOnline
	msg := renderOnlineStatus(ev.DID, passcode, mac, online)
	for _, s := range targets {
		s.mu.Lock()
		if sb := s.subs[ev.DID]; sb != nil {
			s.sendStatusLocked(sb, online, msg)
		}
		s.mu.Unlock()
	}
}

// onBinding tells every session of the user that a binding was made or
// removed. An unbinding ends the session's subscription to the device
// before the notice is queued, so nothing of that device follows it; a
// binding subscribes sessions that logged in with auto_subscribe.
func (srv *Server) onBinding(_ string, data []byte) {
	var ev core.BindingEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		srv.log.Warn("ws: bad binding event", "err", err)
		return
	}
	targets := srv.hub.users(srv.bindScratch[:0], ev.UID)
	msg := renderBindingChanged(ev.DID, ev.Bind)
	for _, s := range targets {
		s.bindingChanged(ev, msg)
	}
	clear(targets)
	srv.bindScratch = targets[:0]
}

func (s *session) bindingChanged(ev core.BindingEvent, msg []byte) {
	s.mu.Lock()
	if s.uid != ev.UID {
		s.mu.Unlock()
		return
	}
	if !ev.Bind {
		s.dropLocked(ev.DID)
	}
	s.send(msg)
	auto, gen := s.autoSub, s.gen
	s.mu.Unlock()
	if ev.Bind && auto {
		ctx, cancel := s.srv.opContext()
		defer cancel()
		s.attach(ctx, ev.UID, gen, []string{ev.DID})
	}
}
