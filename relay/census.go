package relay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

// The admin view lists every pair, also those whose apps are both on other
// nodes, which this node does not follow (nodes.go). So it asks: a census
// request on one subject every relay follows, answered by each relay with
// all its sessions, after writing its message counters, on the asker's own
// reply subject. The asker waits for every relay it has heard a heartbeat
// from, at most censusWait.

const censusSubject = "sb.relay.census"

// censusWait bounds how long the admin view waits for other nodes.
const censusWait = 2 * time.Second

// censusChunk bounds the sessions of one reply, far below NATS's default
// 1 MiB payload limit.
const censusChunk = 256

func censusReplySubject(instance string) string { return censusSubject + "." + instance }

type censusRequest struct {
	From string `json:"from"`
	ID   string `json:"id"`
}

// censusSession is one session of a census reply, with its user.
type censusSession struct {
	UID string `json:"uid"`
	session
}

type censusReply struct {
	From     string          `json:"from"`
	ID       string          `json:"id"`
	Sessions []censusSession `json:"sessions,omitempty"`
	Last     bool            `json:"last,omitempty"` // the relay's final chunk
}

// censusRound is one census this relay is waiting for.
type censusRound struct {
	pending  map[string]bool // relays yet to send their last chunk
	sessions []censusSession
	done     chan struct{}
}

type censusState struct {
	mu     sync.Mutex
	rounds map[string]*censusRound
}

// subscribeCensus follows census requests and the replies to this relay's.
func (ic *Relay) subscribeCensus() error {
	req, err := ic.bus.Subscribe(censusSubject, ic.onCensusRequest)
	if err != nil {
		return err
	}
	ic.subs = append(ic.subs, req)
	rep, err := ic.bus.Subscribe(censusReplySubject(ic.instance), ic.onCensusReply)
	if err != nil {
		return err
	}
	ic.subs = append(ic.subs, rep)
	return nil
}

// onCensusRequest answers another relay's census with this node's sessions,
// after writing the message counters so the asker reads current totals.
func (ic *Relay) onCensusRequest(_ string, data []byte) {
	var req censusRequest
	if json.Unmarshal(data, &req) != nil || req.From == ic.instance || req.From == "" || req.ID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), censusWait)
	defer cancel()
	if err := ic.flush(ctx); err != nil {
		ic.log.Warn("interconnect: write message counters", "err", err)
	}
	ic.mu.Lock()
	var all []censusSession
	for uid, hs := range ic.byUser {
		for h := range hs {
			all = append(all, censusSession{UID: uid, session: h.session()})
		}
	}
	ic.mu.Unlock()
	for start := 0; ; start += censusChunk {
		end := min(start+censusChunk, len(all))
		rep := censusReply{From: ic.instance, ID: req.ID, Sessions: all[start:end], Last: end == len(all)}
		b, err := json.Marshal(rep)
		if err == nil {
			err = ic.bus.Publish(ctx, censusReplySubject(req.From), b)
		}
		if err != nil {
			ic.log.Warn("interconnect: answer a census", "err", err)
			return
		}
		if rep.Last {
			return
		}
	}
}

func (ic *Relay) onCensusReply(_ string, data []byte) {
	var rep censusReply
	if json.Unmarshal(data, &rep) != nil {
		return
	}
	ic.census.mu.Lock()
	defer ic.census.mu.Unlock()
	r := ic.census.rounds[rep.ID]
	if r == nil || !r.pending[rep.From] {
		return // late, or not asked
	}
	r.sessions = append(r.sessions, rep.Sessions...)
	if rep.Last {
		delete(r.pending, rep.From)
		if len(r.pending) == 0 {
			close(r.done)
		}
	}
}

// takeCensus returns the sessions of every other relay it heard from in
// time; relays that did not answer are logged and left out.
func (ic *Relay) takeCensus(ctx context.Context) []censusSession {
	ic.mu.Lock()
	r := &censusRound{pending: make(map[string]bool, len(ic.peers)), done: make(chan struct{})}
	for id := range ic.peers {
		r.pending[id] = true
	}
	ic.mu.Unlock()
	if len(r.pending) == 0 {
		return nil
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	id := hex.EncodeToString(b)
	ic.census.mu.Lock()
	if ic.census.rounds == nil {
		ic.census.rounds = make(map[string]*censusRound)
	}
	ic.census.rounds[id] = r
	ic.census.mu.Unlock()
	req, _ := json.Marshal(censusRequest{From: ic.instance, ID: id})
	if err := ic.bus.Publish(ctx, censusSubject, req); err != nil {
		ic.log.Warn("interconnect: ask other nodes for their sessions", "err", err)
	} else {
		timer := time.NewTimer(censusWait)
		defer timer.Stop()
		select {
		case <-r.done:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	ic.census.mu.Lock()
	defer ic.census.mu.Unlock()
	delete(ic.census.rounds, id)
	if len(r.pending) > 0 {
		missing := make([]string, 0, len(r.pending))
		for m := range r.pending {
			missing = append(missing, m)
		}
		ic.log.Warn("interconnect: pairs view without the sessions of relays that did not answer", "relays", missing)
	}
	return r.sessions
}
