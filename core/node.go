// Package core is Switchboard's device model: devices, their sessions and
// online state, product schemas, the latest state, and the routing of frames
// between devices and apps. It knows no wire format of any adapter (MQTT,
// HTTP, WebSocket); it speaks Go calls on one side and bus events on the
// other. Device payloads are P0 frames, the device model's own format, which
// it encodes and decodes with the pure codec packages.
package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/auth/password"
	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/internal/logevery"
	"github.com/switchboard-iot/switchboard/store"
)

// Options configure a Node.
type Options struct {
	Store store.Store
	Bus   bus.Bus
	// Presence records which app sessions watch which device; default a
	// MemoryPresence, or with SharedPresence one kept in the store.
	Presence Presence
	// SharedPresence keeps the presence in the store (presence_store.go),
	// so nodes sharing the store count each other's app sessions. One node
	// alone on its store needs only memory.
	SharedPresence bool
	Logger         *slog.Logger
	// TokenTTL is the lifetime of user and application tokens (default
	// DefaultTokenTTL).
	TokenTTL time.Duration
	// StateFlushInterval is how often the latest device states are written
	// to the store in one batch (default 100ms). See states.go for why they
	// are batched.
	StateFlushInterval time.Duration
	// Follower writes its rows in the node's transactions (follower.go):
	// the partner domain's outbox. Nil: none.
	Follower Follower
	// NodeID names this node among the nodes sharing the store; it must
	// stay the same across restarts, so a start can end the sessions of
	// the node's previous life (sessions.go). Default "local".
	NodeID string
	// NodeLease bounds how long this node's devices stay online in the
	// store after it dies (default DefaultNodeLease); see leases.go.
	NodeLease time.Duration
	// LeaseLost is called when this node finds its lease was taken by
	// another node: it must close every device session it holds.
	LeaseLost func()
}

// Node is the core. Create it with New, call Start, and Close it last.
type Node struct {
	store    store.Store
	bus      bus.Bus
	localBus bool // device events travel in their binary form (publishEvent)
	presence Presence
	log      *slog.Logger

	schemas  sync.Map // product key -> *datapoint.Schema (products are immutable)
	states   *stateCache
	online   *onlineBatch
	follower Follower
	sessions sessionClock

	flushEvery time.Duration
	tokenTTL   time.Duration
	hashSlots  chan struct{} // bounds concurrent password hashing
	dummyHash  string        // verified against for unknown logins
	stop       chan struct{}
	done       chan struct{}
	closeOnce  sync.Once
	publishLog logevery.Limiter // failed bus publishes (publishJSON)
	lease      leaseKeeper
	leaseDone  chan struct{}

	presenceDone chan struct{}
}

// New returns a Node; it does no I/O until Start.
func New(o Options) (*Node, error) {
	if o.Store == nil || o.Bus == nil {
		return nil, errors.New("core: Store and Bus are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	dummy, err := password.Hash(NewKey())
	if err != nil {
		return nil, err
	}
	if o.NodeID == "" {
		o.NodeID = "local"
	}
	if o.NodeLease <= 0 {
		o.NodeLease = DefaultNodeLease
	}
	if o.StateFlushInterval <= 0 {
		o.StateFlushInterval = 100 * time.Millisecond
	}
	if o.Follower == nil {
		o.Follower = noFollower{}
	}
	n := &Node{
		store:      o.Store,
		bus:        o.Bus,
		localBus:   bus.IsLocal(o.Bus),
		presence:   o.Presence,
		log:        o.Logger,
		flushEvery: o.StateFlushInterval,
		tokenTTL:   o.TokenTTL,
		follower:   o.Follower,
		hashSlots:  make(chan struct{}, 2),
		dummyHash:  dummy,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		sessions:   sessionClock{nodeID: o.NodeID},
		publishLog: logevery.Limiter{Every: 10 * time.Second},
		lease: leaseKeeper{ttl: o.NodeLease, lost: o.LeaseLost, failures: logevery.Limiter{Every: 10 * time.Second},
			reapFailures: logevery.Limiter{Every: 10 * time.Second}},
		leaseDone: make(chan struct{}),

		presenceDone: make(chan struct{}),
	}
	switch {
	case n.presence != nil:
	case o.SharedPresence:
		n.presence = newStorePresence(o.Store, o.NodeID, n.sessions.epoch.Load)
	default:
		n.presence = NewMemoryPresence()
	}
	n.states = newStateCache(n)
	n.online = newOnlineBatch(o.Store)
	return n, nil
}

// Start begins this node's new life (epoch) and ends the device sessions of its
// previous one, then runs the background state writer. Adapters start
// after it, so no device can connect before its stale session is ended.
func (n *Node) Start(ctx context.Context) error {
	if err := n.startSessions(ctx); err != nil {
		return fmt.Errorf("core: end the previous life's sessions: %w", err)
	}
	go n.flushLoop()
	go n.leaseLoop()
	go n.presenceLoop()
	return nil
}

// Close stops the state writer after a final flush, so every state the node
// accepted is stored before the process exits.
func (n *Node) Close(ctx context.Context) error {
	var err error
	n.closeOnce.Do(func() {
		close(n.stop)
		for _, done := range []chan struct{}{n.done, n.leaseDone, n.presenceDone} {
			select {
			case <-done:
			case <-ctx.Done():
				err = ctx.Err()
				return
			}
		}
		err = n.states.flush(ctx)
	})
	return err
}

// Store exposes the store, for tests and tools that seed or read rows
// directly (internal/demo).
func (n *Node) Store() store.Store { return n.store }

// Bus exposes the bus so app-side adapters can subscribe to device events.
func (n *Node) Bus() bus.Bus { return n.bus }

// Presence exposes the app-session presence.
func (n *Node) Presence() Presence { return n.presence }

// Schema returns the compiled schema of a product, cached.
func (n *Node) Schema(ctx context.Context, productKey string) (*datapoint.Schema, error) {
	if s, ok := n.schemas.Load(productKey); ok {
		return s.(*datapoint.Schema), nil
	}
	p, err := n.store.GetProduct(ctx, productKey)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrProductNotFound
	}
	if err != nil {
		return nil, err
	}
	s, err := compileSchema(p.Schema)
	if err != nil {
		return nil, fmt.Errorf("product %s: %w", productKey, err)
	}
	n.schemas.Store(productKey, s)
	return s, nil
}

func compileSchema(raw []byte) (*datapoint.Schema, error) {
	p, err := datapoint.ParseProduct(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	s, err := datapoint.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	return s, nil
}

// publishEvent publishes a device event in the binary form when the bus
// stays inside this process, as JSON otherwise (events_wire.go).
func (n *Node) publishEvent(ctx context.Context, subject string, ev *DeviceEvent) {
	if !n.localBus {
		e := *ev // only this branch lets the event escape to the heap
		n.publishJSON(ctx, subject, &e)
		return
	}
	n.publish(ctx, subject, ev.AppendBinary(make([]byte, 0, 128+len(ev.Attrs)+len(ev.Raw))))
}

// publishJSON marshals v and publishes it; failures are logged, because a
// lost notification must not fail the device's own traffic.
func (n *Node) publishJSON(ctx context.Context, subject string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		n.log.Error("marshal bus event", "subject", subject, "err", err)
		return
	}
	n.publish(ctx, subject, data)
}

// publish publishes data; failures are logged, as for publishJSON.
func (n *Node) publish(ctx context.Context, subject string, data []byte) {
	if err := n.bus.Publish(ctx, subject, data); err != nil {
		// A bus that is down fails every event; one line per interval.
		if ok, suppressed := n.publishLog.Allow(time.Now()); ok {
			n.log.Warn("publish bus event", "subject", subject, "err", err, "suppressed", suppressed)
		}
	}
}
