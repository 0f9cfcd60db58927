package memory

import (
	"context"
	"testing"
)

// TestTriePrunes: unsubscribing leaves no nodes behind, so short-lived
// subjects do not leak memory.
func TestTriePrunes(t *testing.T) {
	b := New(Options{})
	defer b.Close()
	var subs []interface{ Unsubscribe() error }
	for _, p := range []string{"a.b.c", "a.b.c", "a.*.c", "a.>", "x.y", "*", ">"} {
		s, err := b.Subscribe(p, func(string, []byte) {})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	for _, s := range subs {
		if err := s.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.root.empty() {
		t.Errorf("trie not empty after unsubscribing everything: %+v", b.root)
	}
}

// TestPublishWithoutSubscribersDoesNotAllocate: the payload copy is made only
// when someone will read it, and matching itself allocates nothing.
func TestPublishWithoutSubscribersDoesNotAllocate(t *testing.T) {
	b := New(Options{})
	defer b.Close()
	for i := range 100 {
		if _, err := b.Subscribe("dev."+string(rune('a'+i%26))+".state", func(string, []byte) {}); err != nil {
			t.Fatal(err)
		}
	}
	data := []byte("payload")
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _ = b.Publish(ctx, "dev.zz.state", data) }); n != 0 {
		t.Errorf("Publish to an unwatched subject: %v allocs, want 0", n)
	}
}
