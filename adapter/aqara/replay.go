package aqara

import (
	"container/list"
	"strings"
	"sync"
	"time"
)

// replayCache remembers the nonces of accepted requests so a captured
// request cannot be sent again. The key is the appid plus the lower-cased
// nonce: the signature lower-cases everything, so "AbC12" and "abc12" sign
// alike and must count as the same nonce (codec/aqarasign package doc).
//
// Entries are kept for ttl, twice the freshness window: anything older is
// refused as stale before it gets here. The cache holds at most max
// entries; when full it evicts the oldest, which reopens a replay of that
// nonce for the rest of its window. That only happens under a flood of
// validly signed requests, since only verified requests are recorded.
//
// The cache lives in this process. A deployment with several nodes behind
// one address needs a shared cache (e.g. in the store) later, or a request
// replayed to another node is accepted.
type replayCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	order *list.List // of *replayEntry, oldest first
	byKey map[string]*list.Element
}

type replayEntry struct {
	key     string
	expires time.Time
}

func newReplayCache(ttl time.Duration, max int) *replayCache {
	return &replayCache{ttl: ttl, max: max, order: list.New(), byKey: make(map[string]*list.Element)}
}

// seen records appID+nonce at now and reports whether it was already
// recorded and unexpired.
func (c *replayCache) seen(appID, nonce string, now time.Time) bool {
	key := appID + "\x00" + strings.ToLower(nonce)
	c.mu.Lock()
	defer c.mu.Unlock()
	// Drop expired entries from the front. Entries are appended in arrival
	// order with the same ttl, so the front expires first.
	for e := c.order.Front(); e != nil; e = c.order.Front() {
		ent := e.Value.(*replayEntry)
		if now.Before(ent.expires) {
			break
		}
		c.order.Remove(e)
		delete(c.byKey, ent.key)
	}
	if _, ok := c.byKey[key]; ok {
		return true
	}
	c.byKey[key] = c.order.PushBack(&replayEntry{key: key, expires: now.Add(c.ttl)})
	for c.order.Len() > c.max {
		e := c.order.Front()
		c.order.Remove(e)
		delete(c.byKey, e.Value.(*replayEntry).key)
	}
	return false
}

// len is the number of entries (tests).
func (c *replayCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
