package mqttgw

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// session is one authenticated device connection.
type session struct {
	client *mqtt.Client
	device store.Device
	since  time.Time // when the session was established
	// owner names the session in the store's online state; its end is a
	// compare-and-set on it (core.Node.DeviceOffline). Guarded by g.mu.
	owner store.SessionOwner
	// watching is set once the session holds a reference on its device's
	// subjects (Gateway.watchDevice), so its end gives back exactly one.
	watching bool
}

// hook connects mochi's callbacks to the gateway.
type hook struct {
	mqtt.HookBase
	g *Gateway
	// sessions maps every authenticated *mqtt.Client to its session, from
	// authentication until its disconnect, including clients that were
	// taken over and are still winding down.
	sessions sync.Map
}

func (h *hook) ID() string { return "switchboard-devices" }

func (h *hook) Provides(b byte) bool {
	return bytes.Contains([]byte{
		mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSessionEstablish,
		mqtt.OnDisconnect, mqtt.OnPublish, mqtt.OnPublishDropped,
		mqtt.OnPacketRead, mqtt.OnPacketEncode, mqtt.OnWill,
	}, []byte{b})
}

// OnPacketRead sees CONNECT and PUBLISH packets before mochi does
// (connect.go, publish.go).
func (h *hook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	switch pk.FixedHeader.Type {
	case packets.Connect:
		return h.readConnect(cl, pk)
	case packets.Publish:
		return h.readPublish(cl, pk)
	}
	return pk, nil
}

// OnPacketEncode completes mochi's CONNACK (connect.go).
func (h *hook) OnPacketEncode(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	if pk.FixedHeader.Type == packets.Connack {
		return encodeConnack(cl, pk)
	}
	return pk
}

// OnWill: wills are refused at CONNECT (reasonConnectWill), so none should
// be left to send; if one is, its bytes go nowhere.
func (h *hook) OnWill(cl *mqtt.Client, w mqtt.Will) (mqtt.Will, error) {
	h.g.log.Error("a device session held a will; dropped", "client", cl.ID, "topic", w.TopicName)
	return dropWill(w), nil
}

// OnConnect bounds the keepalive before mochi arms the read deadline with
// it, and admits or refuses the device. It is the last hook before mochi's
// own CONNACK, and the only one that can choose the refusal code
// (reasons.go): OnConnectAuthenticate can only make mochi say 0x86/0x05.
func (h *hook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if max := h.g.limits.MaxKeepalive; cl.State.Keepalive == 0 || cl.State.Keepalive > max {
		cl.State.Keepalive = max
	}
	s, refusal := h.admit(cl, pk)
	if refusal != nil {
		return refuseConnect(cl, refusal)
	}
	h.sessions.Store(cl, s)
	return nil
}

// OnConnectAuthenticate accepts the clients OnConnect admitted.
func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, _ packets.Packet) bool {
	return h.session(cl) != nil
}

// OnSessionEstablish runs before mochi takes over an older session with the
// same client id, so the new session owns the did before the old one's
// disconnect is processed, and that disconnect does not mark the device
// offline.
func (h *hook) OnSessionEstablish(cl *mqtt.Client, _ packets.Packet) {
	s := h.session(cl)
	if s == nil {
		return
	}
	s.since = time.Now()
	h.g.mu.Lock()
	prev := h.g.current[s.device.DID]
	h.g.current[s.device.DID] = s
	h.g.mu.Unlock()
	h.g.metrics.Connections.Inc()
	if prev != nil {
		h.g.log.Info("device session taken over", "did", s.device.DID, "remote", cl.Net.Remote)
	}
	h.g.awaitOlder(s.device.DID, prev)
	h.g.watchDevice(s.device.DID)
	h.g.mu.Lock()
	s.watching = true
	h.g.mu.Unlock()
	owner, err := h.g.node.DeviceOnline(hookContext(), s.device)
	if err != nil {
		h.g.log.Warn("mark device online", "did", s.device.DID, "err", err)
	}
	h.g.mu.Lock()
	s.owner = owner
	h.g.mu.Unlock()
}

// OnDisconnect marks the device offline unless a newer session owns it:
// on this node the gateway knows (current), and across nodes and restarts
// the store's compare-and-set on the session's owner decides.
func (h *hook) OnDisconnect(cl *mqtt.Client, err error, _ bool) {
	s := h.session(cl)
	if s == nil {
		return // never authenticated
	}
	h.sessions.Delete(cl)
	h.g.metrics.Connections.Dec()
	did := s.device.DID
	h.g.windingDown(did, cl)
	h.g.mu.Lock()
	owner := h.g.current[did] == s
	if owner {
		delete(h.g.current, did)
	}
	sessionOwner := s.owner
	watching := s.watching
	h.g.mu.Unlock()
	if watching {
		defer h.g.unwatchDevice(did)
	}
	h.g.log.Info("device disconnected", "did", did, "remote", cl.Net.Remote, "reason", err, "taken_over", !owner)
	if !owner {
		return
	}
	if err := h.g.node.DeviceOffline(hookContext(), s.device, sessionOwner); err != nil {
		h.g.log.Warn("mark device offline", "did", did, "err", err)
	}
}

// OnACLCheck confines a device to its own topics: mochi asks it for every
// SUBSCRIBE filter, and for every PUBLISH readPublish let through.
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	s := h.session(cl)
	if s == nil {
		return false
	}
	var ok bool
	if write {
		ok = mayPublish(s.device.DID, topic)
	} else {
		ok = maySubscribe(s.device.DID, s.device.ProductKey, topic)
	}
	// Refused publishes were logged by readPublish.
	if !ok && !write {
		h.g.log.Info("device refused by ACL", "did", s.device.DID, "topic", topic, "publish", write)
	}
	return ok
}

// OnPublish handles a device's frame. It runs on the device's own read
// loop, so a slow device only slows itself; the core never blocks on apps.
//
// A device's publish is for the gateway only: CodeSuccessIgnore makes mochi
// acknowledge it without handing it to any subscriber or keeping it, so
// none of its bytes or properties (response topic, correlation data, user
// properties) reach another client, whatever subscriptions exist.
func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil // the gateway's own downlinks and replies
	}
	s := h.session(cl)
	// Checked again after mochi resolved the topic: readPublish's check is
	// the one that answers, this one only guards it.
	if s == nil || publishRefusal(s.device.DID, pk) != nil {
		h.g.log.Error("publish passed readPublish but is refused", "client", cl.ID, "topic", pk.TopicName)
		return pk, packets.ErrRejectPacket
	}
	h.g.metrics.In.Inc()
	if pk.TopicName == topicServerRequest {
		h.serverRequest(s, pk.Payload)
		return pk, packets.CodeSuccessIgnore
	}
	clientID := parseUplink(s.device.DID, pk.TopicName)
	if err := h.g.node.DeviceUplink(hookContext(), s.device, clientID, pk.Payload); err != nil {
		h.g.metrics.DecodeErrors.Inc()
		level := h.g.log.Info
		if !errors.Is(err, core.ErrBadFrame) && !errors.Is(err, core.ErrNotStandard) {
			level = h.g.log.Warn
		}
		level("device frame not decoded", "did", s.device.DID, "topic", pk.TopicName, "len", len(pk.Payload), "err", err)
	}
	// mochi sends the PUBACK after this hook returns: a QoS 1 report is
	// acknowledged only once its state and the pushes it caused are on
	// disk. (QoS 0, what GAgent sends, has nothing to acknowledge.)
	if pk.FixedHeader.Qos > 0 {
		ctx, cancel := context.WithTimeout(hookContext(), storeWait)
		defer cancel()
		if err := h.g.node.WaitStored(ctx); err != nil {
			// No PUBACK for what is not stored: close the session so the
			// device resends it after reconnecting.
			h.g.log.Warn("report not stored in time; closing session", "did", s.device.DID, "err", err)
			cl.Stop(err)
			return pk, packets.ErrRejectPacket
		}
	}
	return pk, packets.CodeSuccessIgnore
}

// storeWait bounds how long a QoS 1 PUBLISH waits for its write.
const storeWait = 10 * time.Second

// serverRequest answers cli2ser_req (notes §1.5). Only 0x020F is known to
// need an answer; other commands are logged and ignored.
func (h *hook) serverRequest(s *session, payload []byte) {
	m, err := p0.DecodeServer(payload)
	if err != nil {
		h.g.metrics.DecodeErrors.Inc()
		h.g.log.Info("bad cli2ser_req frame", "did", s.device.DID, "err", err)
		return
	}
	if m.Cmd != p0.CmdAppCountRequest {
		h.g.log.Debug("unhandled cli2ser_req command", "did", s.device.DID, "cmd", m.Cmd)
		return
	}
	n := h.g.node.AppSessions(s.device.DID)
	if n > 0xFFFF {
		n = 0xFFFF
	}
	body := binary.BigEndian.AppendUint16(nil, uint16(n))
	reply := p0.AppendServer(nil, p0.ServerMessage{Cmd: p0.CmdAppCountReply, Body: body})
	if err := h.g.broker.Publish(topicServerReply+s.device.DID, reply, false, 0); err != nil {
		h.g.log.Warn("answer cli2ser_req", "did", s.device.DID, "err", err)
		return
	}
	h.g.metrics.Out.Inc()
}

// OnPublishDropped counts a packet dropped because the device's outbound
// queue was full (it does not read).
func (h *hook) OnPublishDropped(cl *mqtt.Client, pk packets.Packet) {
	h.g.metrics.QueueDrops.Inc()
	h.g.log.Warn("device queue full, packet dropped", "client", cl.ID, "topic", pk.TopicName)
}

func (h *hook) session(cl *mqtt.Client) *session {
	v, ok := h.sessions.Load(cl)
	if !ok {
		return nil
	}
	return v.(*session)
}
