package mqttgw

import (
	"errors"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Sessions closed on another node's word: a takeover there, or this
// node's own lease lost (core/leases.go).

// takenOver closes this node's session of a device that a newer session,
// perhaps on another node, now holds. A session whose owner is not known
// yet is still being established here, after the takeover: it is the
// newest, and stays.
func (g *Gateway) takenOver(c core.Control) {
	g.mu.Lock()
	s := g.current[c.DID]
	keep := s == nil || s.owner == c.Owner || s.owner == (store.SessionOwner{})
	g.mu.Unlock()
	if keep {
		return
	}
	g.log.Info("closing device session taken over elsewhere", "did", c.DID, "by_node", c.Owner.NodeID)
	s.client.Stop(errors.New(c.Reason))
}

// DisconnectAll closes every device session (the node lost its lease, so
// the store no longer counts them online): the devices reconnect and come
// online again.
func (g *Gateway) DisconnectAll(reason string) {
	g.mu.Lock()
	all := make([]*session, 0, len(g.current))
	for _, s := range g.current {
		all = append(all, s)
	}
	g.mu.Unlock()
	for _, s := range all {
		s.client.Stop(errors.New(reason))
	}
	g.log.Warn("closed every device session", "sessions", len(all), "reason", reason)
}
