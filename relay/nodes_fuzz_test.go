package relay

import (
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
)

// untouched satisfies Identity and Store with nothing behind them: the
// paths under fuzz must not reach either (a call would panic and fail).
type untouched struct {
	Identity
	Store
}

// countingEndpoint counts what the relay tells it.
type countingEndpoint struct {
	mu                      sync.Mutex
	events, offers, closing int
}

func (e *countingEndpoint) Event(Event) { e.mu.Lock(); e.events++; e.mu.Unlock() }
func (e *countingEndpoint) Offer(Message) (Offer, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offers++
	return Queued, nil
}
func (e *countingEndpoint) Close(int, string) { e.mu.Lock(); e.closing++; e.mu.Unlock() }

// FuzzAnnouncement: what other nodes publish on a user's relay subject, on
// the heartbeat subject and as census requests and replies is decoded by
// onRelay, onAlive, onCensusRequest and onCensusReply; whatever the
// bytes, they must not panic, and the relay must keep answering (its lock
// released, its own sessions intact unless a well-formed newer session
// replaced one). Seeds: testdata/fuzz/FuzzAnnouncement.
func FuzzAnnouncement(f *testing.F) {
	f.Add([]byte(`{"kind":"state","from":"b","uid":"u1","ver":1,"ask":true,"sessions":[{"id":"b-1","pkg":"com.example.pair","fp":"AA"}]}`))
	f.Add([]byte(`{"kind":"message","from":"b","uid":"u1","to_watch":true,"pkg":"com.example.pair","fp":"AA","did":"d1","data":"{}"}`))
	f.Add([]byte(`{"from":"b","bye":true}`))
	b := memory.New(memory.Options{})
	defer b.Close()
	ic, err := New(Options{Identity: untouched{}, Store: untouched{}, Bus: b, Heartbeat: time.Hour, FlushInterval: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	if err := ic.Start(); err != nil {
		f.Fatal(err)
	}
	defer ic.Close(f.Context())
	f.Fuzz(func(t *testing.T, data []byte) {
		// A fresh registry each time: one watch and one phone app of u1.
		ic.mu.Lock()
		ic.watches, ic.phones = make(map[watchKey]*Handle), make(map[phoneKey]*Handle)
		ic.byUser, ic.peers, ic.outbox = make(map[string]map[*Handle]struct{}), make(map[string]*peer), nil
		w := &Handle{ic: ic, watch: true, uid: "u1", did: "d1", pkg: "com.example.pair", fp: "AA", ep: &countingEndpoint{}, since: time.Now()}
		p := &Handle{ic: ic, uid: "u1", pkg: "com.example.pair", fp: "AA", ep: &countingEndpoint{}, since: time.Now(),
			listening: map[string]bool{"d1": true}}
		for _, h := range []*Handle{w, p} {
			if err := ic.listen(h); err != nil {
				t.Fatal(err)
			}
			ic.addLocked(h)
		}
		ic.watches[watchKey{"u1", "d1", "com.example.pair"}] = w
		ic.phones[phoneKey{"u1", "com.example.pair", "AA"}] = p
		ic.mu.Unlock()

		ic.onCensusRequest(censusSubject, data) // first: no counts to write yet
		ic.onCensusReply(censusReplySubject(ic.instance), data)
		ic.onRelay(SubjectUserRelay("u1"), data)
		ic.onAlive(aliveSubject, data)

		ic.mu.Lock()
		defer ic.mu.Unlock()
		for _, h := range []*Handle{w, p} {
			if _, ok := ic.byUser["u1"][h]; ok == h.gone {
				t.Fatalf("session %s: registered %v, gone %v", h.id, ok, h.gone)
			}
			if h.gone && h.ep.(*countingEndpoint).closing == 0 {
				t.Fatalf("session %s left without being closed", h.id)
			}
		}
		ic.outbox = nil
		ic.counts = make(map[pairKey]*pairDelta) // never written: no store behind
	})
}
