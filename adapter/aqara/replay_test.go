package aqara

import (
	"testing"
	"time"
)

func TestReplayCache(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	c := newReplayCache(10*time.Minute, 3)
	if c.seen("app", "Nonce1", t0) {
		t.Fatal("first use reported as replay")
	}
	if !c.seen("app", "NONCE1", t0.Add(time.Minute)) {
		t.Fatal("case variant not reported as replay")
	}
	if c.seen("other", "nonce1", t0) {
		t.Fatal("same nonce of another appid reported as replay")
	}
	// Expiry: after ttl the nonce may be used again (it is stale by then).
	if c.seen("app", "nonce1", t0.Add(10*time.Minute)) {
		t.Fatal("expired entry still reported")
	}
	// Bounded: the oldest entries go first.
	now := t0.Add(11 * time.Minute)
	for _, n := range []string{"aaaaa", "bbbbb", "ccccc", "ddddd"} {
		if c.seen("app", n, now) {
			t.Fatalf("%s reported as replay", n)
		}
	}
	if c.len() != 3 {
		t.Fatalf("len = %d, want 3", c.len())
	}
	if !c.seen("app", "ddddd", now) || !c.seen("app", "ccccc", now) {
		t.Fatal("recent entries evicted")
	}
	if c.seen("app", "aaaaa", now) {
		t.Fatal("oldest entry not evicted")
	}
}

func TestCodeTable(t *testing.T) {
	for c, msg := range codeText {
		if msg == "" || c.Message() != msg {
			t.Errorf("code %d: message %q", c, c.Message())
		}
	}
	if Code(1).Message() != codeText[CodeInternal] {
		t.Error("unknown code does not fall back")
	}
}
