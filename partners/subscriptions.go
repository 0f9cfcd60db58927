package partners

import (
	"context"
	"errors"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Subscribe records that partner appID wants pushes of the named resources
// (datapoint names) of devices bound to uid. Every device must be bound to
// uid (core.ErrNotBound) and nothing is stored otherwise. The adapter checks the
// names against the schema.
func (n *Domain) Subscribe(ctx context.Context, appID, uid string, subs []Subscription) error {
	for i := range subs {
		subs[i].AppID, subs[i].UID = appID, uid
		if _, err := n.core.Binding(ctx, uid, subs[i].DID); err != nil {
			return err
		}
	}
	if err := n.store.Subscribe(ctx, subs); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return core.ErrNotBound // unbound meanwhile
		}
		return err
	}
	n.reloadSubscriptions(ctx, subs)
	return nil
}

// Unsubscribe removes subscriptions of partner appID on devices bound to
// uid; the devices must be bound to uid (core.ErrNotBound).
func (n *Domain) Unsubscribe(ctx context.Context, appID, uid string, subs []Subscription) error {
	for i := range subs {
		subs[i].AppID, subs[i].UID = appID, uid
		if _, err := n.core.Binding(ctx, uid, subs[i].DID); err != nil {
			return err
		}
	}
	if err := n.store.Unsubscribe(ctx, subs); err != nil {
		return err
	}
	n.reloadSubscriptions(ctx, subs)
	return nil
}

// DeviceSubscriptions lists the subscriptions on a device.
func (n *Domain) DeviceSubscriptions(ctx context.Context, did string) ([]Subscription, error) {
	return n.store.DeviceSubscriptions(ctx, did)
}

func (n *Domain) reloadSubscriptions(ctx context.Context, subs []Subscription) {
	seen := map[string]bool{}
	for _, s := range subs {
		if !seen[s.DID] {
			seen[s.DID] = true
			n.outbox.DeviceChanged(ctx, s.DID)
		}
	}
}
