package core

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
)

// The interconnect relay pairs a watch quick app with its phone app (same
// package, same signing certificate, one user's account) and carries their
// messages (docs/protocol-interconnect.md). This file holds the types; the
// registry, routing, phone-side checks, diagnosis and the admin view have a
// file each.

// MaxICMessage is the largest message payload, in UTF-8 bytes, either side
// may send. Xiaomi publishes none; public peers keep single messages at or
// below 16 KiB (notes §1.4), so larger payloads would not work on a real
// watch either.
const MaxICMessage = 16 << 10

// Interconnect errors; the adapter maps each to the watch's (Vela) or the
// phone's (Xiaomi Wear Status) code.
var (
	ErrICDisconnected = errors.New("core: interconnect peer not connected")      // 1006 / -4
	ErrICTimeout      = errors.New("core: interconnect peer did not take it")    // 204 / -2
	ErrICTooLarge     = errors.New("core: interconnect message too large")       // 1009 / -9
	ErrICNotInstalled = errors.New("core: watch app not installed on that node") // -5
	ErrICSignature    = errors.New("core: fingerprint verify failed")            // -6
	ErrICPermission   = errors.New("core: permission denied")                    // -7
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

// ICEventKind says what an ICEvent reports.
type ICEventKind int

const (
	// ICOpen (to a watch): its phone app is connected; the pair is open.
	ICOpen ICEventKind = iota + 1
	// ICClose (to a watch): its phone app went away; Code and Text say how.
	ICClose
	// ICError (to a watch): Code 1001 no phone app of the package was ever
	// registered, 1000 a phone app of the package has another certificate.
	ICError
	// ICNode (to a phone): the watch app on Node connected or left.
	ICNode
)

// ICEvent is a notification for one endpoint.
type ICEvent struct {
	Kind      ICEventKind
	Code      int
	Text      string
	Node      string // ICNode: the watch did
	Connected bool   // ICNode
}

// ICMessage is a payload on its way to an endpoint. From is the watch did
// for messages to a phone, "" for messages to a watch.
type ICMessage struct {
	From string
	Data string
}

// ICOffer is the outcome of ICEndpoint.Offer.
type ICOffer int

const (
	ICQueued ICOffer = iota // taken
	ICFull                  // the pair's queue is full; wait on the channel
	ICGone                  // the endpoint has closed
)

// ICEndpoint is one connected client, implemented by an adapter. No method
// may block or call back into the Interconnect: they run under its lock.
type ICEndpoint interface {
	// Event queues e; an endpoint that cannot keep up closes itself.
	Event(e ICEvent)
	// Offer queues m unless the queue of m's pair is full, in which case it
	// returns ICFull and a channel closed when space may have freed.
	Offer(m ICMessage) (ICOffer, <-chan struct{})
	// Close ends the client's connection (replaced, device unbound).
	Close(code int, reason string)
}

// ICOptions tune the relay.
type ICOptions struct {
	// SendTimeout is how long a send waits for room in a full pair queue
	// before failing with ErrICTimeout (default 5 s).
	SendTimeout time.Duration
	// FlushInterval is how often message counters are written (default 1 s).
	FlushInterval time.Duration
	Logger        *slog.Logger
}

// Interconnect is the relay's state: who is connected, pair counters.
type Interconnect struct {
	node *Node
	opts ICOptions
	log  *slog.Logger

	mu       sync.Mutex
	watches  map[watchKey]*ICHandle
	phones   map[phoneKey]*ICHandle
	changed  chan struct{} // closed and replaced on every registry change
	counts   map[pairKey]*pairDelta
	subs     []bus.Subscription
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

type watchKey struct{ uid, did, pkg string }
type phoneKey struct{ uid, pkg, fp string }
type pairKey struct{ uid, pkg, fp, did string }

type pairDelta struct {
	w2p, p2w int64
	last     time.Time
}

// NewInterconnect returns the relay of node; Start it, Close it before the
// node.
func NewInterconnect(node *Node, o ICOptions) *Interconnect {
	if o.SendTimeout <= 0 {
		o.SendTimeout = 5 * time.Second
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.Logger == nil {
		o.Logger = node.log
	}
	return &Interconnect{
		node: node, opts: o, log: o.Logger,
		watches: make(map[watchKey]*ICHandle),
		phones:  make(map[phoneKey]*ICHandle),
		changed: make(chan struct{}),
		counts:  make(map[pairKey]*pairDelta),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// Start follows what ends sessions (interconnect_access.go: bindings,
// tokens, device controls) and runs the counter flusher.
func (ic *Interconnect) Start() error {
	for _, s := range []struct {
		pattern string
		h       bus.Handler
	}{
		{PatternAllUserBindings, ic.onBinding},
		{PatternAllUserAccess, ic.onAccess},
		{PatternAllControl, ic.onControl},
	} {
		sub, err := ic.node.bus.Subscribe(s.pattern, s.h)
		if err != nil {
			ic.unsubscribe()
			return err
		}
		ic.subs = append(ic.subs, sub)
	}
	go ic.flushLoop()
	return nil
}

func (ic *Interconnect) unsubscribe() {
	for _, sub := range ic.subs {
		sub.Unsubscribe()
	}
	ic.subs = nil
}

// Close stops following bindings and writes the last counters.
func (ic *Interconnect) Close(ctx context.Context) error {
	var err error
	ic.stopOnce.Do(func() {
		ic.unsubscribe()
		close(ic.stop)
		select {
		case <-ic.done:
		case <-ctx.Done():
		}
		err = ic.flush(ctx)
	})
	return err
}

// broadcastLocked wakes every waiter (diagnosis) after a registry change.
func (ic *Interconnect) broadcastLocked() {
	close(ic.changed)
	ic.changed = make(chan struct{})
}
