package bustest

import (
	"context"
	"slices"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// testLiteral: a literal subscription gets exactly its subject, with the
// subject and data as published.
func testLiteral(t *testing.T, b bus.Bus) {
	var hit, miss recorder
	subscribe(t, b, "dev.1.state", hit.handle)
	subscribe(t, b, "dev.2.state", miss.handle)

	publish(t, b, "dev.1.state", "on")
	publish(t, b, "dev.2.state", "fence")
	hit.waitData(t, "on")
	miss.waitData(t, "fence")

	if got, want := hit.all(), []msg{{"dev.1.state", "on"}}; !slices.Equal(got, want) {
		t.Errorf("dev.1.state subscriber got %v, want %v", got, want)
	}
	if got, want := miss.all(), []msg{{"dev.2.state", "fence"}}; !slices.Equal(got, want) {
		t.Errorf("dev.2.state subscriber got %v, want %v", got, want)
	}
}

// testFanOut: every matching subscription gets its own delivery, including
// several subscriptions on the same pattern, and none gets one twice.
func testFanOut(t *testing.T, b bus.Bus) {
	patterns := []string{"fan.out", "fan.out", "fan.out", "fan.*", "fan.>", "*.out", ">"}
	recs := make([]recorder, len(patterns))
	for i, p := range patterns {
		subscribe(t, b, p, recs[i].handle)
	}
	publish(t, b, "fan.out", "one")
	publish(t, b, "fan.out", "fence")
	want := []msg{{"fan.out", "one"}, {"fan.out", "fence"}}
	for i := range recs {
		recs[i].waitData(t, "fence")
		if got := recs[i].all(); !slices.Equal(got, want) {
			t.Errorf("subscriber %d (%q) got %v, want %v", i, patterns[i], got, want)
		}
	}
}

// testDataCopied: the publisher may overwrite its buffer as soon as Publish
// returns; the handler, even if it runs later, sees what was published.
func testDataCopied(t *testing.T, b bus.Bus) {
	overwritten := make(chan struct{})
	got := make(chan string, 1)
	subscribe(t, b, "copy", func(_ string, data []byte) {
		<-overwritten
		got <- string(data)
	})

	buf := []byte("original")
	if err := b.Publish(context.Background(), "copy", buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXXXXX")
	close(overwritten)

	if s := receive(t, got, "delivery"); s != "original" {
		t.Errorf("handler saw %q after the publisher reused its buffer, want %q", s, "original")
	}
}
