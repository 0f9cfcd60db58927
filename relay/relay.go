// Package relay is the interconnect relay's domain: it pairs a watch quick
// app with its phone app (same package, same signing certificate, one
// user's account) and carries their messages (docs/protocol-interconnect.md).
// It knows no wire format; adapter/interconnect speaks the WebSocket
// protocol and is each client's Endpoint. From the core it takes only
// identity (Identity) and the events that end access (access.go). The two
// apps of a pair may be connected to different nodes: the relays tell each
// other of their sessions over the bus (nodes.go, live.go).
package relay

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// This file holds the types; the registry, routing, phone-side checks,
// diagnosis, access, certificates, the admin view, the live set and the
// other nodes have a file each.

// MaxMessage is the largest message payload, in UTF-8 bytes, either side
// may send. Xiaomi publishes none; public peers keep single messages at or
// below 16 KiB (notes §1.4), so larger payloads would not work on a real
// watch either.
const MaxMessage = 16 << 10

// Relay errors; the adapter maps each to the watch's (Vela) or the
// phone's (Xiaomi Wear Status) code.
var (
	ErrDisconnected = errors.New("relay: interconnect peer not connected")      // 1006 / -4
	ErrTimeout      = errors.New("relay: interconnect peer did not take it")    // 204 / -2
	ErrTooLarge     = errors.New("relay: interconnect message too large")       // 1009 / -9
	ErrNotInstalled = errors.New("relay: watch app not installed on that node") // -5
	ErrSignature    = errors.New("relay: fingerprint verify failed")            // -6
	ErrPermission   = errors.New("relay: permission denied")                    // -7
)

// Permission names, as the Xiaomi Wear SDK puts them on the wire (notes §2.3).
const (
	PermDeviceManager = "data_manager"
	PermNotify        = "notify"
)

// Diagnosis results (the document's diagnosis success status).
const (
	DiagOK          = 0
	DiagTimeout     = 204
	DiagOthers      = 1000
	DiagUninstalled = 1001
)

// EventKind says what an Event reports.
type EventKind int

const (
	// EventOpen (to a watch): its phone app is connected; the pair is open.
	EventOpen EventKind = iota + 1
	// EventClose (to a watch): its phone app went away; Code and Text say how.
	EventClose
	// EventError (to a watch): Code 1001 no phone app of the package was ever
	// registered, 1000 a phone app of the package has another certificate.
	EventError
	// EventNode (to a phone): the watch app on Node connected or left.
	EventNode
)

// Event is a notification for one endpoint.
type Event struct {
	Kind      EventKind
	Code      int
	Text      string
	Node      string // EventNode: the watch did
	Connected bool   // EventNode
}

// Message is a payload on its way to an endpoint. From is the watch did
// for messages to a phone, "" for messages to a watch.
type Message struct {
	From string
	Data string
}

// Offer is the outcome of Endpoint.Offer.
type Offer int

const (
	Queued Offer = iota // taken
	Full                // the pair's queue is full; wait on the channel
	Gone                // the endpoint has closed
)

// Endpoint is one connected client, implemented by an adapter. No method
// may block or call back into the Relay: they run under its lock.
type Endpoint interface {
	// Event queues e; an endpoint that cannot keep up closes itself.
	Event(e Event)
	// Offer queues m unless the queue of m's pair is full, in which case it
	// returns Full and a channel closed when space may have freed.
	Offer(m Message) (Offer, <-chan struct{})
	// Close ends the client's connection (replaced, device unbound).
	Close(code int, reason string)
}

// Identity is what the relay asks of the device model: who a device or
// an app user is, and which devices a user may speak for. *core.Node is
// one; the relay knows nothing else of the core.
type Identity interface {
	// AuthenticateDevice checks a watch's did and passcode.
	AuthenticateDevice(ctx context.Context, did, passcode string) (store.Device, error)
	// AuthToken checks a phone app's token.
	AuthToken(ctx context.Context, appID, token string) (store.User, core.TokenGrant, error)
	// Binding is the user's binding to did, core.ErrNotBound if none.
	Binding(ctx context.Context, uid, did string) (store.Binding, error)
	// DeviceBindings lists the users did is bound to.
	DeviceBindings(ctx context.Context, did string) ([]store.Binding, error)
}

// Options configure the relay; Identity, Store and Bus are required.
type Options struct {
	Identity Identity
	Store    Store
	// Bus carries the core's binding, access and device-control events,
	// which end sessions (access.go), and what the relays of several nodes
	// tell each other: their sessions, messages for a peer on another
	// node, heartbeats (nodes.go).
	Bus bus.Bus
	// SendTimeout is how long a send waits for room in a full pair queue
	// before failing with ErrTimeout (default 5 s).
	SendTimeout time.Duration
	// FlushInterval is how often message counters are written (default 1 s).
	FlushInterval time.Duration
	// Heartbeat is how often the relay tells the other nodes it is alive
	// (default 5 s); a node not heard for three is given up (nodes.go).
	Heartbeat time.Duration
	Logger    *slog.Logger
}

// Relay is the relay's state: who is connected, pair counters.
type Relay struct {
	id    Identity
	store Store
	bus   bus.Bus
	opts  Options
	log   *slog.Logger

	instance string      // this relay among the nodes' relays (nodes.go)
	census   censusState // the admin view's questions to other nodes (census.go)

	mu       sync.Mutex
	watches  map[watchKey]*Handle
	phones   map[phoneKey]*Handle
	byUser   map[string]map[*Handle]struct{} // this node's sessions by user
	peers    map[string]*peer                // other nodes' relays, by instance
	expired  map[string]time.Time            // relays given up, and when
	ver      uint64                          // of the last state announced
	seq      uint64                          // of the last session registered
	outbox   []outgoing                      // announcements to publish once unlocked
	changed  chan struct{}                   // closed and replaced on every registry change
	counts   map[pairKey]*pairDelta
	subs     []bus.Subscription
	interest bus.SubjectSet // this node's sessions' subjects (listen)
	stop     chan struct{}
	loops    sync.WaitGroup
	stopOnce sync.Once
}

type watchKey struct{ uid, did, pkg string }
type phoneKey struct{ uid, pkg, fp string }
type pairKey struct{ uid, pkg, fp, did string }

type pairDelta struct {
	w2p, p2w int64
	last     time.Time
}

// New returns a relay; Start it, and Close it before the store and bus
// close.
func New(o Options) (*Relay, error) {
	if o.Identity == nil || o.Store == nil || o.Bus == nil {
		return nil, errors.New("relay: Identity, Store and Bus are required")
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 5 * time.Second
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Relay{
		id: o.Identity, store: o.Store, bus: o.Bus, opts: o, log: o.Logger,
		instance: newInstance(),
		watches:  make(map[watchKey]*Handle),
		phones:   make(map[phoneKey]*Handle),
		byUser:   make(map[string]map[*Handle]struct{}),
		peers:    make(map[string]*peer),
		expired:  make(map[string]time.Time),
		changed:  make(chan struct{}),
		counts:   make(map[pairKey]*pairDelta),
		stop:     make(chan struct{}),
	}, nil
}

// Start follows what ends sessions (access.go: bindings, tokens, device
// controls) and what other nodes' relays announce of the same users
// (nodes.go), and runs the counter flusher and the heartbeat. It follows
// them in a subject set holding the subjects of this node's sessions only
// (listen), and the other relays' heartbeats on one subject.
func (ic *Relay) Start() error {
	set, err := ic.bus.SubscribeSet(ic.onSubject)
	if err != nil {
		return err
	}
	ic.subs = append(ic.subs, set)
	ic.interest = set
	beats, err := ic.bus.Subscribe(aliveSubject, ic.onAlive)
	if err != nil {
		ic.unsubscribe()
		return err
	}
	ic.subs = append(ic.subs, beats)
	if err := ic.subscribeCensus(); err != nil {
		ic.unsubscribe()
		return err
	}
	ic.loops.Add(2)
	go ic.flushLoop()
	go ic.aliveLoop()
	return nil
}

// onSubject routes one event by its kind, the subject's last token.
func (ic *Relay) onSubject(subject string, data []byte) {
	switch subject[strings.LastIndexByte(subject, '.')+1:] {
	case "binding":
		ic.onBinding(subject, data)
	case "access":
		ic.onAccess(subject, data)
	case "ctl":
		ic.onControl(subject, data)
	case "relay":
		ic.onRelay(subject, data)
	}
}

// subjectsOf names the events that can end h (its user's bindings and
// access, and for a watch its device's controls) and its user's relay
// subject, where other nodes announce their sessions of the user.
func subjectsOf(h *Handle) []string {
	out := []string{core.SubjectUserBinding(h.uid), core.SubjectUserAccess(h.uid), SubjectUserRelay(h.uid)}
	if h.watch {
		out = append(out, core.SubjectControl(h.did))
	}
	return out
}

// listen takes a reference on h's subjects before h is registered, so an
// event published once it is live reaches this node; unlisten gives them
// back when h ends.
func (ic *Relay) listen(h *Handle) error {
	for i, subject := range subjectsOf(h) {
		if err := ic.interest.Add(subject); err != nil {
			for _, done := range subjectsOf(h)[:i] {
				ic.interest.Remove(done)
			}
			return err
		}
	}
	return nil
}

func (ic *Relay) unlisten(h *Handle) {
	for _, subject := range subjectsOf(h) {
		ic.interest.Remove(subject)
	}
}

func (ic *Relay) unsubscribe() {
	for _, sub := range ic.subs {
		sub.Unsubscribe()
	}
	ic.subs = nil
}

// Close stops following the bus, tells the other nodes this relay is
// gone, and writes the last counters.
func (ic *Relay) Close(ctx context.Context) error {
	var err error
	ic.stopOnce.Do(func() {
		ic.unsubscribe()
		close(ic.stop)
		done := make(chan struct{})
		go func() {
			ic.loops.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
		}
		ic.sayGoodbye(ctx) // after the last heartbeat, which would undo it
		err = ic.flush(ctx)
	})
	return err
}

// broadcastLocked wakes every waiter (diagnosis) after a registry change.
func (ic *Relay) broadcastLocked() {
	close(ic.changed)
	ic.changed = make(chan struct{})
}
