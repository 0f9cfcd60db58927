package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Several nodes (docs/decisions.md, "Interconnect relay across nodes").
// Each relay announces its sessions of a user on the user's relay subject,
// which every node holding a session of that user follows (its subject
// set): a full list of the user's sessions on this node (a state), sent on
// every change, so a lost or reordered state is repaired by the next one.
// Messages for a peer on another node go on the same subject. Which relays
// are alive is told on one subject all follow (aliveSubject); the sessions
// of a relay not heard for three heartbeats leave the live set.

// SubjectUserRelay carries the relay's states and messages of one user.
func SubjectUserRelay(uid string) string { return "sb.user." + uid + ".relay" }

// aliveSubject carries every relay's heartbeat and its goodbye.
const aliveSubject = "sb.relay.alive"

// Kinds of announcement.
const (
	kindState   = "state"
	kindMessage = "message"
)

// session is one connected app as its node announces it.
type session struct {
	ID    string `json:"id"` // unique across nodes: relay instance and counter
	Watch bool   `json:"watch,omitempty"`
	DID   string `json:"did,omitempty"`
	Pkg   string `json:"pkg"`
	FP    string `json:"fp"`
	// Since is the registration time (unix ns, its node's clock): of two
	// sessions of one app, the newer replaces the older (4409).
	Since int64 `json:"since"`
}

// departure says how a session ended: its peers' onclose code and text.
type departure struct {
	ID   string `json:"id"`
	Code int    `json:"code"`
	Text string `json:"text"`
}

// announcement is what relays tell each other about one user.
type announcement struct {
	Kind string `json:"kind"`
	From string `json:"from"` // the sending relay's instance
	UID  string `json:"uid"`

	// A state: Ver orders one sender's states; Sessions is every session
	// of UID on the sender; Gone says how the sessions that just left
	// ended; Ask asks every node holding sessions of UID for its state.
	Ver      uint64      `json:"ver,omitempty"`
	Ask      bool        `json:"ask,omitempty"`
	Sessions []session   `json:"sessions,omitempty"`
	Gone     []departure `json:"gone,omitempty"`

	// A message, for the watch app (UID, DID, Pkg) signed with FP, or
	// (ToWatch false) from that watch app to its phone app.
	ToWatch bool   `json:"to_watch,omitempty"`
	Pkg     string `json:"pkg,omitempty"`
	FP      string `json:"fp,omitempty"`
	DID     string `json:"did,omitempty"`
	Data    string `json:"data,omitempty"`
}

// alive is a relay's heartbeat; Bye says it is closing.
type alive struct {
	From string `json:"from"`
	Bye  bool   `json:"bye,omitempty"`
}

// peer is what this node knows of another relay: the sessions it
// announced for the users this node holds sessions of.
type peer struct {
	seen  time.Time
	ver   map[string]uint64
	users map[string][]session
}

type outgoing struct {
	subject string
	data    []byte
}

func newInstance() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

func (h *Handle) session() session {
	return session{ID: h.id, Watch: h.watch, DID: h.did, Pkg: h.pkg, FP: h.fp, Since: h.since.UnixNano()}
}

// olderThan: h registered before s, so s replaces it.
func (h *Handle) olderThan(s session) bool {
	at := h.since.UnixNano()
	return at < s.Since || at == s.Since && h.id < s.ID
}

// queueLocked adds a to what unlockPublish sends.
func (ic *Relay) queueLocked(subject string, a any) {
	data, err := json.Marshal(a)
	if err != nil {
		ic.log.Error("interconnect: encode an announcement", "err", err)
		return
	}
	ic.outbox = append(ic.outbox, outgoing{subject, data})
}

// stateLocked queues this node's state of uid: its sessions, and how gone
// ones ended.
func (ic *Relay) stateLocked(uid string, ask bool, gone ...departure) {
	ic.ver++
	a := announcement{Kind: kindState, From: ic.instance, UID: uid, Ver: ic.ver, Ask: ask, Gone: gone}
	for h := range ic.byUser[uid] {
		a.Sessions = append(a.Sessions, h.session())
	}
	ic.queueLocked(SubjectUserRelay(uid), a)
}

// unlockPublish releases ic.mu and then publishes what was queued under
// it, so no bus call runs under the lock. Two goroutines may publish out
// of order; states carry Ver, so a receiver keeps the newest.
func (ic *Relay) unlockPublish() {
	out := ic.outbox
	ic.outbox = nil
	ic.mu.Unlock()
	for _, o := range out {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := ic.bus.Publish(ctx, o.subject, o.data); err != nil {
			ic.log.Warn("interconnect: announce to other nodes", "subject", o.subject, "err", err)
		}
		cancel()
	}
}

// forward publishes a message for a peer on another node. The relay has
// taken it once the bus has (at most once, as Publish is).
func (ic *Relay) forward(ctx context.Context, a announcement) error {
	a.Kind, a.From = kindMessage, ic.instance
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if err := ic.bus.Publish(ctx, SubjectUserRelay(a.UID), data); err != nil {
		ic.log.Warn("interconnect: forward a message to another node", "uid", a.UID, "err", err)
		return ErrDisconnected
	}
	return nil
}

// onRelay takes another node's announcement of a user this node holds.
func (ic *Relay) onRelay(subject string, data []byte) {
	var a announcement
	if json.Unmarshal(data, &a) != nil || a.From == ic.instance || subject != SubjectUserRelay(a.UID) {
		return
	}
	switch a.Kind {
	case kindState:
		ic.onState(a)
	case kindMessage:
		ic.onMessage(a)
	}
}

// onState applies a peer's state of a user: sessions of this node it
// replaces are closed (4409), then the sessions that left and joined are
// told to this node's sessions of the user as local ones would be.
func (ic *Relay) onState(a announcement) {
	ic.mu.Lock()
	defer ic.unlockPublish()
	p := ic.touchLocked(a.From)
	if len(ic.byUser[a.UID]) == 0 || a.Ver <= p.ver[a.UID] {
		return // not a user of ours (any more), or an older state
	}
	p.ver[a.UID] = a.Ver
	reply := a.Ask
	for _, s := range a.Sessions {
		for h := range ic.byUser[a.UID] {
			if !h.clashes(s) {
				continue
			}
			if h.olderThan(s) {
				ic.unregisterLocked(h, 1001, "replaced by a newer connection of the "+h.role()+" app")
				h.ep.Close(4409, "replaced by a newer connection of the same "+h.role()+" app")
			} else {
				reply = true // the peer must learn of h to close its own
			}
		}
	}
	ic.applyLocked(p, a.UID, a.Sessions, a.Gone)
	if reply && len(ic.byUser[a.UID]) > 0 {
		ic.stateLocked(a.UID, false)
	}
	ic.broadcastLocked()
}

// clashes: s is another session of the same app (one connection per app).
func (h *Handle) clashes(s session) bool {
	if h.watch {
		return s.Watch && s.DID == h.did && s.Pkg == h.pkg
	}
	return !s.Watch && s.Pkg == h.pkg && s.FP == h.fp
}

func (h *Handle) role() string {
	if h.watch {
		return "watch"
	}
	return "phone"
}

// applyLocked makes p's sessions of uid be now, telling this node's
// sessions of those that left (with gone's codes, else a lost connection)
// and then of those that joined.
func (ic *Relay) applyLocked(p *peer, uid string, now []session, gone []departure) {
	before := p.users[uid]
	kept := make([]session, 0, len(before))
	var left []session
	for _, s := range before {
		if containsID(now, s.ID) {
			kept = append(kept, s)
		} else {
			left = append(left, s)
		}
	}
	p.users[uid] = kept
	for _, s := range left {
		code, text := 1006, "the "+roleOf(s)+" app's connection was lost"
		for _, g := range gone {
			if g.ID == s.ID {
				code, text = g.Code, g.Text
			}
		}
		ic.sessionLeftLocked(uid, s, code, text)
	}
	for _, s := range now {
		if containsID(kept, s.ID) {
			continue
		}
		var again bool
		if s.Watch {
			again, _ = ic.watchLiveLocked(uid, s.DID, s.Pkg, s.FP)
		} else {
			again = ic.phoneLiveLocked(uid, s.Pkg, s.FP)
		}
		p.users[uid] = append(p.users[uid], s)
		if ic.replacedLocked(uid, s) {
			continue // its node closes it once it hears of ours: nothing changed here
		}
		if s.Watch {
			ic.watchJoinedLocked(uid, s.DID, s.Pkg, s.FP, again)
		} else {
			ic.phoneJoinedLocked(uid, s.Pkg, s.FP, again)
		}
	}
	if len(p.users[uid]) == 0 {
		delete(p.users, uid)
	}
}

// replacedLocked: this node holds a newer session of s's app, which
// replaces s.
func (ic *Relay) replacedLocked(uid string, s session) bool {
	for h := range ic.byUser[uid] {
		if h.clashes(s) && !h.olderThan(s) {
			return true
		}
	}
	return false
}

func (ic *Relay) sessionLeftLocked(uid string, s session, code int, text string) {
	if s.Watch {
		ic.watchLeftLocked(uid, s.DID, s.Pkg, s.FP)
	} else {
		ic.phoneLeftLocked(uid, s.Pkg, s.FP, code, text)
	}
}

func containsID(ss []session, id string) bool {
	for _, s := range ss {
		if s.ID == id {
			return true
		}
	}
	return false
}

func roleOf(s session) string {
	if s.Watch {
		return "watch"
	}
	return "phone"
}

// onMessage delivers a message from another node to this node's end of
// the pair. It cannot make that node's sender wait, so a full pair queue
// drops the message (docs/protocol-interconnect.md §5).
func (ic *Relay) onMessage(a announcement) {
	ic.mu.Lock()
	var ep Endpoint
	m := Message{Data: a.Data}
	if a.ToWatch {
		if w := ic.watches[watchKey{a.UID, a.DID, a.Pkg}]; w != nil && w.fp == a.FP {
			ep = w.ep
		}
	} else if p := ic.phones[phoneKey{a.UID, a.Pkg, a.FP}]; p != nil && p.listening[a.DID] {
		ep, m.From = p.ep, a.DID
	}
	ic.mu.Unlock()
	if ep == nil {
		return // gone meanwhile, or (to a phone app) not listening: dropped as on one node
	}
	switch res, _ := ep.Offer(m); res {
	case Queued:
		ic.count(pairKey{a.UID, a.Pkg, a.FP, a.DID}, !a.ToWatch)
	case Full:
		ic.log.Warn("interconnect: message from another node dropped: the pair's queue is full",
			"uid", a.UID, "did", a.DID, "package", a.Pkg, "to_watch", a.ToWatch)
	}
}

// touchLocked records that relay id was heard from now. One heard again
// after this node gave it up (a partition, a bus outage) may hold
// sessions of our users whose states were lost: every user is asked again.
func (ic *Relay) touchLocked(id string) *peer {
	p := ic.peers[id]
	if p == nil {
		p = &peer{ver: make(map[string]uint64), users: make(map[string][]session)}
		ic.peers[id] = p
		if _, ok := ic.expired[id]; ok {
			delete(ic.expired, id)
			for uid := range ic.byUser {
				ic.stateLocked(uid, true)
			}
		}
	}
	p.seen = time.Now()
	return p
}

// dropPeerLocked removes every session of relay id from the live set.
func (ic *Relay) dropPeerLocked(id string, code int, text string) {
	p := ic.peers[id]
	if p == nil {
		return
	}
	delete(ic.peers, id)
	for uid, ss := range p.users {
		for _, s := range ss {
			ic.sessionLeftLocked(uid, s, code, text)
		}
	}
	ic.broadcastLocked()
}

// forgetUserLocked drops what peers said of uid once this node holds no
// session of it: it no longer follows uid's subject, so that would go stale.
func (ic *Relay) forgetUserLocked(uid string) {
	for _, p := range ic.peers {
		delete(p.users, uid)
		delete(p.ver, uid)
	}
}

// onAlive takes another relay's heartbeat or goodbye.
func (ic *Relay) onAlive(_ string, data []byte) {
	var a alive
	if json.Unmarshal(data, &a) != nil || a.From == ic.instance || a.From == "" {
		return
	}
	ic.mu.Lock()
	defer ic.unlockPublish()
	if a.Bye {
		ic.dropPeerLocked(a.From, 1001, "the relay node of the other app shut down")
		return
	}
	ic.touchLocked(a.From)
}

// aliveLoop sends this relay's heartbeat, the first at once so the others
// know it (the admin view's census asks every relay known), and gives up
// peers not heard for three of them: their sessions leave the live set as
// lost connections.
func (ic *Relay) aliveLoop() {
	defer ic.loops.Done()
	t := time.NewTicker(ic.opts.Heartbeat)
	defer t.Stop()
	beat, _ := json.Marshal(alive{From: ic.instance})
	for {
		ctx, cancel := context.WithTimeout(context.Background(), ic.opts.Heartbeat)
		if err := ic.bus.Publish(ctx, aliveSubject, beat); err != nil {
			ic.log.Warn("interconnect: heartbeat", "err", err)
		}
		cancel()
		select {
		case <-t.C:
			ic.expirePeers(time.Now())
		case <-ic.stop:
			return
		}
	}
}

func (ic *Relay) expirePeers(now time.Time) {
	ic.mu.Lock()
	defer ic.unlockPublish()
	for id, p := range ic.peers {
		if now.Sub(p.seen) > 3*ic.opts.Heartbeat {
			ic.log.Warn("interconnect: another relay node stopped answering; its sessions count as gone", "relay", id)
			ic.dropPeerLocked(id, 1006, "the relay node of the other app stopped answering")
			ic.expired[id] = now
		}
	}
	for id, at := range ic.expired {
		if now.Sub(at) > time.Hour {
			delete(ic.expired, id)
		}
	}
}

// sayGoodbye tells the other relays this one is closing.
func (ic *Relay) sayGoodbye(ctx context.Context) {
	bye, _ := json.Marshal(alive{From: ic.instance, Bye: true})
	if err := ic.bus.Publish(ctx, aliveSubject, bye); err != nil {
		ic.log.Warn("interconnect: goodbye to other nodes", "err", err)
	}
}
