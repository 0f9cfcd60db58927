package partners

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Partner pushes are written to the store's outbox in the same transaction
// as the event that causes them (a report's state flush, an online flag, a
// binding): core asks the outbox, its core.Follower, for the rows to write
// with each change, so an event the store acknowledged never lacks its
// pushes. They are delivered from there (delivery.go). This file decides
// who gets what; adapter/aqara decides the wire format.

// Kinds of PartnerMessage.
const (
	MessageReport  = "report"
	MessageOnline  = "online"
	MessageOffline = "offline"
	MessageBind    = "bind"
	MessageUnbind  = "unbind"
)

// PartnerMessage is the payload of one push, in the core's terms.
type PartnerMessage struct {
	Kind       string    `json:"kind"`
	OpenID     string    `json:"openId"` // the account (user) it is for
	DID        string    `json:"did"`
	ProductKey string    `json:"productKey"`
	At         time.Time `json:"at"`
	// Attrs holds the subscribed datapoints of a report (name -> value, as
	// apps see it); Attach the subscription's attach string per name.
	Attrs  map[string]json.RawMessage `json:"attrs,omitempty"`
	Attach map[string]string          `json:"attach,omitempty"`
}

// DefaultPushBacklog bounds the pending pushes of one partner; see outbox.
const DefaultPushBacklog = 1_000_000

// outbox keeps what enqueueing needs in memory: which partners take pushes,
// who subscribes to which device, and how many pushes each partner has
// pending (to bound the backlog of a dead partner).
//
// The pending counts are this node's own arithmetic (+1 per push admitted,
// -1 per push delivered or given up), which is exact for a node alone on
// its store. Nodes sharing a store each enqueue for the same partner, so
// each reads the partner's count back from the store every refresh
// interval (Delivery's PendingRefresh, refresh): the bound then holds for
// the partner across nodes, overshot at most by what the other nodes
// enqueue within one interval.
type outbox struct {
	n       *Domain
	backlog int64

	mu       sync.RWMutex
	pushable map[string]bool           // appId -> has a push URL
	subs     map[string][]Subscription // did -> subscriptions
	pending  map[string]int64          // appId -> pending pushes
	inflight map[string]int64          // appId -> admitted, not yet written (or given back)
	written  map[string]int64          // appId -> pushes this node wrote, ever
	notify   []func(appID string)
	changed  []func(appID string)
}

func newOutbox(n *Domain, backlog int64) *outbox {
	if backlog <= 0 {
		backlog = DefaultPushBacklog
	}
	return &outbox{n: n, backlog: backlog, pushable: map[string]bool{},
		subs: map[string][]Subscription{}, pending: map[string]int64{}, inflight: map[string]int64{},
		written: map[string]int64{}}
}

// refresh reads the partners' pending counts back from the store, where
// every node sharing it writes its pushes, and adds the pushes this node
// admitted but has not written yet (which the store cannot count).
// A push written while the count runs may be in it or not, so it is
// added: a race counts a push twice until the next refresh, never misses
// one.
func (o *outbox) refresh(ctx context.Context) error {
	o.mu.RLock()
	before := maps.Clone(o.written)
	o.mu.RUnlock()
	stored, err := o.n.store.CountPendingPushes(ctx)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for app := range o.pending {
		if _, ok := stored[app]; !ok {
			stored[app] = 0
		}
	}
	for app, k := range stored {
		o.pending[app] = k + o.inflight[app] + o.written[app] - before[app]
	}
	return nil
}

// load reads partners, subscriptions and pending counts at start.
func (o *outbox) load(ctx context.Context) error {
	ps, err := o.n.store.ListPartners(ctx)
	if err != nil {
		return err
	}
	subs, err := o.n.store.ListSubscriptions(ctx)
	if err != nil {
		return err
	}
	pending, err := o.n.store.CountPendingPushes(ctx)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range ps {
		o.pushable[p.AppID] = p.PushURL != ""
	}
	for _, s := range subs {
		o.subs[s.DID] = append(o.subs[s.DID], s)
	}
	o.pending = pending
	return nil
}

// setPartner records whether a partner takes pushes.
func (o *outbox) setPartner(p Partner) {
	o.mu.Lock()
	o.pushable[p.AppID] = p.PushURL != ""
	o.mu.Unlock()
}

// DeviceChanged re-reads the subscriptions on one device after they
// changed, here and on the other nodes (changes.go).
func (o *outbox) DeviceChanged(ctx context.Context, did string) {
	o.reload(ctx, did)
	o.n.announce(Change{DID: did})
}

// reload re-reads the subscriptions on one device.
func (o *outbox) reload(ctx context.Context, did string) {
	subs, err := o.n.store.DeviceSubscriptions(ctx, did)
	if err != nil {
		o.n.log.Warn("reload subscriptions", "did", did, "err", err)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(subs) == 0 {
		delete(o.subs, did)
	} else {
		o.subs[did] = subs
	}
}

// admit reports whether appID takes one more push now, and reserves it.
// Called with o.mu held for writing.
func (o *outbox) admitLocked(appID string) bool {
	if !o.pushable[appID] {
		return false
	}
	if o.pending[appID] >= o.backlog {
		o.n.log.Warn("push backlog full: push dropped", "app_id", appID, "backlog", o.backlog)
		return false
	}
	o.pending[appID]++
	o.inflight[appID]++
	return true
}

// Unwritten gives back reservations of pushes that were not written.
func (o *outbox) Unwritten(pushes []store.Push) {
	o.mu.Lock()
	for _, p := range pushes {
		o.pending[p.AppID]--
		o.landedLocked(p.AppID)
	}
	o.mu.Unlock()
}

// landedLocked ends one push's reservation: written, or given back.
func (o *outbox) landedLocked(appID string) {
	if o.inflight[appID]--; o.inflight[appID] <= 0 {
		delete(o.inflight, appID)
	}
}

// Written tells the deliverers that pushes are on disk.
func (o *outbox) Written(pushes []store.Push) {
	if len(pushes) == 0 {
		return
	}
	o.mu.Lock()
	for _, p := range pushes {
		o.landedLocked(p.AppID)
		o.written[p.AppID]++
	}
	notify := o.notify
	o.mu.Unlock()
	seen := map[string]bool{}
	for _, p := range pushes {
		if !seen[p.AppID] {
			seen[p.AppID] = true
			for _, f := range notify {
				f(p.AppID)
			}
		}
	}
}

// done lowers the pending count of pushes that left the queue.
func (o *outbox) done(appID string, k int) {
	o.mu.Lock()
	o.pending[appID] -= int64(k)
	if o.pending[appID] < 0 {
		o.pending[appID] = 0
	}
	o.mu.Unlock()
}

// newPush builds an outbox row; the caller has admitted it.
func (o *outbox) newPush(appID string, m PartnerMessage) store.Push {
	payload, _ := json.Marshal(m) // plain struct: cannot fail
	return store.Push{
		MsgID: strings.ToUpper(core.NewKey()), AppID: appID, Payload: payload,
		CreatedAt: m.At, NextAt: m.At,
	}
}

// Subscribed reports whether any partner subscribes to the device.
func (o *outbox) Subscribed(did string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return len(o.subs[did]) > 0
}

// ForReport returns the pushes of a report: one per subscribing partner,
// carrying the subscribed datapoints among the changed values.
func (o *outbox) ForReport(did, productKey string, values map[string]json.RawMessage, at time.Time) []store.Push {
	o.mu.RLock()
	subs := o.subs[did]
	o.mu.RUnlock()
	if len(subs) == 0 {
		return nil
	}
	byApp := map[string]*PartnerMessage{}
	var order []string
	for _, s := range subs {
		v, ok := values[s.ResourceID]
		if !ok {
			continue
		}
		m := byApp[s.AppID]
		if m == nil {
			m = &PartnerMessage{Kind: MessageReport, OpenID: s.UID, DID: did, ProductKey: productKey, At: at,
				Attrs: map[string]json.RawMessage{}, Attach: map[string]string{}}
			byApp[s.AppID] = m
			order = append(order, s.AppID)
		}
		m.Attrs[s.ResourceID] = v
		if s.Attach != "" {
			m.Attach[s.ResourceID] = s.Attach
		}
	}
	return o.admit(order, byApp)
}

// ForStatus returns the online/offline pushes of a device: one per partner
// subscribed to any of its resources.
func (o *outbox) ForStatus(did, productKey string, online bool, at time.Time) []store.Push {
	o.mu.RLock()
	subs := o.subs[did]
	o.mu.RUnlock()
	if len(subs) == 0 {
		return nil
	}
	kind := MessageOffline
	if online {
		kind = MessageOnline
	}
	byApp := map[string]*PartnerMessage{}
	var order []string
	for _, s := range subs {
		if byApp[s.AppID] == nil {
			byApp[s.AppID] = &PartnerMessage{Kind: kind, OpenID: s.UID, DID: did, ProductKey: productKey, At: at}
			order = append(order, s.AppID)
		}
	}
	return o.admit(order, byApp)
}

// ForBinding returns the bind/unbind pushes of a user's binding: one per
// partner the user authorized (holding a live token pair), and for an
// unbind also one per partner subscribed through that user.
func (o *outbox) ForBinding(ctx context.Context, uid, did, productKey string, bind bool, at time.Time) ([]store.Push, error) {
	apps, err := o.n.store.PartnersOfUser(ctx, uid, at)
	if err != nil {
		return nil, err
	}
	kind := MessageUnbind
	if bind {
		kind = MessageBind
	} else {
		o.mu.RLock()
		for _, s := range o.subs[did] {
			if s.UID == uid {
				apps = append(apps, s.AppID)
			}
		}
		o.mu.RUnlock()
	}
	byApp := map[string]*PartnerMessage{}
	var order []string
	for _, app := range apps {
		if byApp[app] == nil {
			byApp[app] = &PartnerMessage{Kind: kind, OpenID: uid, DID: did, ProductKey: productKey, At: at}
			order = append(order, app)
		}
	}
	return o.admit(order, byApp), nil
}

func (o *outbox) admit(order []string, byApp map[string]*PartnerMessage) []store.Push {
	var out []store.Push
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, app := range order {
		if o.admitLocked(app) {
			out = append(out, o.newPush(app, *byApp[app]))
		}
	}
	return out
}

// OnPushEnqueued registers f to be called (with the partner's appId) after
// pushes for that partner are on disk. f must not block.
func (n *Domain) OnPushEnqueued(f func(appID string)) {
	n.outbox.mu.Lock()
	n.outbox.notify = append(n.outbox.notify, f)
	n.outbox.mu.Unlock()
}

// PendingPushes is how many pushes of a partner wait for delivery.
func (n *Domain) PendingPushes(appID string) int64 {
	n.outbox.mu.RLock()
	defer n.outbox.mu.RUnlock()
	return n.outbox.pending[appID]
}

// pushesDelivered records that a partner acknowledged pushes.
func (n *Domain) pushesDelivered(ctx context.Context, appID string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := n.store.PushesDelivered(ctx, ids, time.Now().UTC()); err != nil {
		return err
	}
	n.outbox.done(appID, len(ids))
	return nil
}

// pushesFailed records failed attempts; the dead ones leave the backlog.
func (n *Domain) pushesFailed(ctx context.Context, appID string, fs []PushFailure) error {
	if len(fs) == 0 {
		return nil
	}
	if err := n.store.PushesFailed(ctx, fs); err != nil {
		return err
	}
	dead := 0
	for _, f := range fs {
		if f.Dead {
			dead++
		}
	}
	n.outbox.done(appID, dead)
	return nil
}

// FailedPushes lists a partner's pushes that failed at least once since
// the given time, newest failure first.
func (n *Domain) FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error) {
	return n.store.FailedPushes(ctx, appID, since, limit, offset)
}
