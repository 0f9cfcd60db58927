// Package bus carries events between Switchboard's core and its adapters, and
// between nodes when there are several. The in-process implementation lives in
// bus/memory; every implementation passes the contract suite in bus/bustest.
//
// Subjects are dot-separated tokens with NATS semantics, so the same subjects
// work unchanged on NATS: "*" matches exactly one token and ">" (last token
// only) matches one or more trailing tokens.
package bus

import (
	"context"
	"errors"
	"io"
)

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("bus: closed")

// ErrBadSubject is returned for an empty subject, an empty token, a wildcard
// in a published subject, or ">" anywhere but last in a subscription.
var ErrBadSubject = errors.New("bus: bad subject")

// Handler receives one message. data must not be retained after return
// unless copied. Handlers of one subscription run one at a time, in the order
// messages were published by any single publisher.
type Handler func(subject string, data []byte)

// Subscription is a live interest in a subject pattern.
type Subscription interface {
	// Unsubscribe stops delivery; after it returns the handler is not called
	// again. Safe to call more than once.
	Unsubscribe() error
}

// SubjectSet is a subscription to a changing set of exact subjects. Each
// subject is counted: Add of a subject already in the set adds one more
// reference, Remove takes one away, and the subject leaves the set with its
// last reference, so independent users of the set need no coordination.
// The handler runs as for Subscribe: one call at a time, in publish order
// per publisher, whatever the subject.
type SubjectSet interface {
	// Add takes a reference on subject (no wildcards: ErrBadSubject). Once
	// it returns, a message published afterwards to subject, on this node
	// or another, reaches the handler.
	Add(subject string) error
	// Remove drops a reference; with the last one the subject leaves the
	// set. Messages of the subject already queued may still be delivered.
	Remove(subject string)
	// Unsubscribe ends the whole set, as Subscription.Unsubscribe does.
	Subscription
}

// Bus publishes and subscribes. A bus that spans nodes (bus/nats) delivers
// a message to matching subscriptions on every node, and only to nodes with
// a matching subscription.
type Bus interface {
	// Publish sends data to every matching subscription. It does not wait for
	// delivery; a subscription that cannot keep up loses messages (counted by
	// Dropped) rather than slowing the publisher. Across nodes delivery is at
	// most once: while the link between nodes is down, messages may be lost
	// for other nodes, and Publish fails once the implementation's outage
	// buffer is full.
	Publish(ctx context.Context, subject string, data []byte) error
	// Subscribe registers h for subjects matching pattern. Once it returns, a
	// message published afterwards, on this node or another, reaches h.
	Subscribe(pattern string, h Handler) (Subscription, error)
	// SubscribeSet registers h for a set of exact subjects that starts
	// empty and changes with SubjectSet.Add and Remove: one handler, one
	// queue and one goroutine however many subjects, which is how a node
	// listens to just the devices and users it has sessions for.
	SubscribeSet(h Handler) (SubjectSet, error)
	// Dropped is how many messages were discarded because a subscriber's
	// queue was full, since start. Messages lost between nodes during an
	// outage are not in it.
	Dropped() uint64
	io.Closer
}
