// Package nats is the bus.Bus that spans nodes: every node connects to the
// same NATS server (or cluster) and the server routes each message only to
// the connections that subscribed to its subject.
//
// It keeps bus/memory's promises on top of nats.go: Publish is
// fire-and-forget, each subscription's handler runs on one goroutine in
// publish order per publisher, a subscription that falls behind loses
// messages (counted by Dropped) instead of slowing anyone, and after
// Unsubscribe returns the handler is not called again. What only a
// distributed bus adds is written in docs/decisions.md ("NATS bus").
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/switchboard-iot/switchboard/bus"
)

// Defaults for Options' zero fields.
const (
	// DefaultPendingMsgs matches bus/memory's queue length, so a subscriber
	// falls behind at the same point on either bus.
	DefaultPendingMsgs = 8192
	// DefaultPendingBytes bounds a subscription's queue by size too: 8192
	// messages of a few hundred bytes stay far below it, while a burst of
	// large raw frames cannot hold more than this per subscription.
	DefaultPendingBytes = 64 << 20
	// DefaultReconnectBuf is how much a node publishes while NATS is away
	// before Publish starts failing: about ten seconds of a busy node's
	// traffic, sent in order once the connection is back.
	DefaultReconnectBuf = 8 << 20
	// DefaultReconnectWait is the pause between attempts to reach a server
	// (plus up to a second of jitter, so that nodes cut off together do not
	// come back in lockstep).
	DefaultReconnectWait = time.Second
	// flushTimeout bounds the round trip Subscribe and Close make to the
	// server; a server that does not answer in this time is as good as gone,
	// and nats.go's reconnect takes over.
	flushTimeout = 5 * time.Second
)

// Options configures Connect. URL is required; the rest have defaults.
type Options struct {
	// URL is the server to connect to, "nats://host:4222" (or tls://),
	// or several separated by commas: the members of a NATS cluster.
	URL string
	// Name identifies this connection in the server's monitoring (connz),
	// normally the node id.
	Name string
	// Logger receives disconnects, reconnects and slow-consumer warnings;
	// nil means slog.Default().
	Logger *slog.Logger
	// PendingMsgs and PendingBytes bound each subscription's queue of
	// messages waiting for its handler; beyond either, messages are dropped.
	PendingMsgs, PendingBytes int
	// ReconnectBuf is how many bytes of publishes are kept while
	// disconnected; beyond it Publish fails.
	ReconnectBuf int
	// ReconnectWait is the pause between reconnect attempts.
	ReconnectWait time.Duration
}

// Bus is a bus.Bus on one NATS connection. It is safe for concurrent use.
type Bus struct {
	nc           *natsgo.Conn
	log          *slog.Logger
	pendingMsgs  int
	pendingBytes int
	closed       atomic.Bool // fast path for Publish; mu decides
	slow         slowLog

	// mu guards subs, gone and the transition to closed, so Dropped never
	// counts a subscription twice or not at all while it is being removed.
	mu   sync.Mutex
	subs map[member]struct{}
	gone uint64 // messages dropped by subscriptions already removed
}

var _ bus.Bus = (*Bus)(nil)

// member is what the bus keeps of each subscription and subject set, to
// count their drops and end them on Close.
type member interface {
	stop()
	wait()
	dropped() uint64
}

// Connect dials the server and returns once connected. A server that cannot
// be reached at start is an error (the operator sees it at once); once
// connected, the connection is re-established forever, and subscriptions
// are renewed, whenever it is lost.
func Connect(opts Options) (*Bus, error) {
	if opts.URL == "" {
		return nil, errors.New("nats bus: no server URL")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PendingMsgs <= 0 {
		opts.PendingMsgs = DefaultPendingMsgs
	}
	if opts.PendingBytes <= 0 {
		opts.PendingBytes = DefaultPendingBytes
	}
	if opts.ReconnectBuf <= 0 {
		opts.ReconnectBuf = DefaultReconnectBuf
	}
	if opts.ReconnectWait <= 0 {
		opts.ReconnectWait = DefaultReconnectWait
	}
	b := &Bus{
		log:          opts.Logger.With("component", "bus"),
		pendingMsgs:  opts.PendingMsgs,
		pendingBytes: opts.PendingBytes,
		subs:         make(map[member]struct{}),
	}
	b.slow.every.Every = slowLogEvery
	nc, err := natsgo.Connect(opts.URL,
		natsgo.Name(opts.Name),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(opts.ReconnectWait),
		natsgo.ReconnectJitter(time.Second, time.Second),
		natsgo.ReconnectBufSize(opts.ReconnectBuf),
		// Detect a server that vanished without closing the socket within
		// about half a minute instead of nats.go's default four.
		natsgo.PingInterval(10*time.Second),
		natsgo.MaxPingsOutstanding(3),
		natsgo.DisconnectErrHandler(b.onDisconnect),
		natsgo.ReconnectHandler(b.onReconnect),
		natsgo.ErrorHandler(b.onAsyncError),
	)
	if err != nil {
		return nil, fmt.Errorf("nats bus: connect: %w", err)
	}
	b.nc = nc
	b.log.Info("bus connected to NATS", "server", nc.ConnectedUrlRedacted())
	return b, nil
}

// Publish sends data to every subscription matching subject, on any node,
// and returns without waiting for delivery. nats.go has copied data when it
// returns. While the connection is down publishes are buffered, up to
// Options.ReconnectBuf; beyond that Publish fails.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !bus.ValidSubject(subject) {
		return bus.ErrBadSubject
	}
	if b.closed.Load() {
		return bus.ErrClosed
	}
	if err := b.nc.Publish(subject, data); err != nil {
		if errors.Is(err, natsgo.ErrConnectionClosed) {
			return bus.ErrClosed
		}
		return fmt.Errorf("nats bus: publish: %w", err)
	}
	return nil
}

// Subscribe starts delivering messages matching pattern to h. It returns
// once the server has registered the interest (one round trip), so that a
// message published afterwards on any node reaches h; while disconnected it
// returns at once and the interest is registered on reconnect.
func (b *Bus) Subscribe(pattern string, h bus.Handler) (bus.Subscription, error) {
	if !bus.ValidPattern(pattern) {
		return nil, bus.ErrBadSubject
	}
	s := &subscription{b: b, h: h, pattern: pattern}
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return nil, bus.ErrClosed
	}
	ns, err := b.nc.Subscribe(pattern, s.deliver)
	if err == nil {
		err = ns.SetPendingLimits(b.pendingMsgs, b.pendingBytes)
		if err != nil {
			_ = ns.Unsubscribe()
		}
	}
	if err != nil {
		b.mu.Unlock()
		if errors.Is(err, natsgo.ErrConnectionClosed) {
			return nil, bus.ErrClosed
		}
		return nil, fmt.Errorf("nats bus: subscribe %q: %w", pattern, err)
	}
	s.ns = ns
	b.subs[s] = struct{}{}
	b.mu.Unlock()

	if b.nc.IsConnected() {
		if err := b.nc.FlushTimeout(flushTimeout); err != nil {
			// The SUB is queued and nats.go resends it on reconnect.
			b.log.Warn("bus subscription not confirmed by NATS", "pattern", pattern, "err", err)
		}
	}
	return s, nil
}

// Dropped reports how many messages subscriptions have dropped because their
// queue was full, since Connect. A message dropped by three subscriptions
// counts three times.
func (b *Bus) Dropped() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.gone
	for s := range b.subs {
		n += s.dropped()
	}
	return n
}

// Close unsubscribes everything and waits for handlers that are running to
// return (except the caller's own); messages queued for handlers are
// discarded. Then it pushes out what this node published (one round trip,
// bounded) and closes the connection, so events published just before Close
// (a shutting-down node's devices going offline) still reach other nodes.
// Later Publish and Subscribe calls return bus.ErrClosed; later Close calls
// return nil.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return nil
	}
	b.closed.Store(true)
	subs := b.subs
	b.subs = map[member]struct{}{}
	for s := range subs {
		b.gone += s.dropped()
	}
	b.mu.Unlock()

	for s := range subs {
		s.stop()
	}
	for s := range subs {
		s.wait()
	}
	if b.nc.IsConnected() {
		if err := b.nc.FlushTimeout(flushTimeout); err != nil {
			b.log.Warn("bus: last publishes not confirmed by NATS", "err", err)
		}
	} else if n, _ := b.nc.Buffered(); n > 0 {
		b.log.Warn("bus: closed while disconnected from NATS; buffered publishes lost", "bytes", n)
	}
	b.nc.Close()
	return nil
}

// remove takes s out of the bus, keeping its drops in the total.
func (b *Bus) remove(s member) {
	b.mu.Lock()
	if _, ok := b.subs[s]; ok {
		b.gone += s.dropped()
		delete(b.subs, s)
	}
	b.mu.Unlock()
}
