// Package partners is the Aqara-style partner domain beside the device
// model: partners and their settings, partner accounts and tokens,
// positions, push subscriptions, the outbox of pushes and its delivery
// policy, and push health. It depends on core for device and user identity
// and follows core's changes (core.Follower) to write pushes in the same
// transaction as the change that caused them; core knows nothing of it.
// The wire formats (intents, push bodies, signatures) live in
// adapter/aqara.
package partners

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the partner domain uses of the device model.
type Core interface {
	App(ctx context.Context, appID string) (store.App, error)
	Binding(ctx context.Context, uid, did string) (store.Binding, error)
}

// Options configure a Domain.
type Options struct {
	Store Store
	// Bus keeps the nodes' in-memory outbox indexes in step (changes.go);
	// nil for a single node in a test.
	Bus    bus.Bus
	Logger *slog.Logger
	// PushBacklog bounds the pending pushes of one partner (default
	// DefaultPushBacklog); past it new pushes for that partner are dropped
	// and logged rather than filling the disk.
	PushBacklog int64
	// PushPolicy is the failure rule that suspends a partner's pushes.
	PushPolicy PushPolicy
}

// Domain is the partner domain of one node. Create it with New before the
// core node (the node needs its Follower), Bind the node, Start it before
// the node starts.
type Domain struct {
	core       Core
	store      Store
	bus        bus.Bus
	log        *slog.Logger
	outbox     *outbox
	pushHealth *pushHealthTracker
}

// New returns a Domain; it does no I/O until Start.
func New(o Options) *Domain {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	n := &Domain{store: o.Store, bus: o.Bus, log: o.Logger}
	n.outbox = newOutbox(n, o.PushBacklog)
	n.pushHealth = newPushHealth(n, o.PushPolicy)
	return n
}

// Follower is what the core node calls inside its transactions.
func (n *Domain) Follower() core.Follower { return n.outbox }

// Bind gives the domain the node it follows.
func (n *Domain) Bind(c Core) { n.core = c }

// Start loads what the outbox keeps in memory. It
// runs before the node starts: the node's first act (ending its previous
// life's sessions) already enqueues pushes.
func (n *Domain) Start(ctx context.Context) error {
	if err := n.outbox.load(ctx); err != nil {
		return fmt.Errorf("partners: load outbox: %w", err)
	}
	if n.bus != nil {
		if _, err := n.bus.Subscribe(SubjectChanged, n.onChanged); err != nil {
			return fmt.Errorf("partners: follow other nodes' changes: %w", err)
		}
	}
	return nil
}

// now is the domain's clock, in the store's precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// Store exposes the domain's store (tests seed rows through it).
func (n *Domain) Store() Store { return n.store }
