package partners

import (
	"context"
	"encoding/json"
	"time"
)

// What the outbox keeps in memory (outbox.go: who subscribes to which
// device, which partners take pushes) is kept in step on every node
// sharing the store: a node that changes a subscription, a device's
// bindings or a partner tells the others on the bus, and each re-reads
// that part from the store. The bus is at most once, so a lost message
// leaves a node stale until the next change of the same thing or its
// restart; the store stays the truth.

// SubjectChanged carries Change messages between the nodes' domains.
const SubjectChanged = "sb.partners.changed"

// Change names what another node changed.
type Change struct {
	DID   string `json:"did,omitempty"`    // the device's subscriptions
	AppID string `json:"app_id,omitempty"` // the partner's settings or suspension
}

// announce tells the other nodes (and this one, harmlessly) of a change.
func (n *Domain) announce(c Change) {
	if n.bus == nil {
		return
	}
	data, _ := json.Marshal(c) // plain struct: cannot fail
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.bus.Publish(ctx, SubjectChanged, data); err != nil {
		n.log.Warn("announce partner change", "err", err)
	}
}

// onChanged re-reads what another node changed.
func (n *Domain) onChanged(_ string, data []byte) {
	var c Change
	if err := json.Unmarshal(data, &c); err != nil {
		n.log.Error("bad partner change on bus", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.DID != "" {
		n.outbox.reload(ctx, c.DID)
	}
	if c.AppID != "" {
		p, err := n.store.GetPartner(ctx, c.AppID)
		if err != nil {
			n.log.Warn("reload partner", "app_id", c.AppID, "err", err)
			return
		}
		n.outbox.setPartner(p)
		n.partnerChanged(c.AppID)
	}
}
