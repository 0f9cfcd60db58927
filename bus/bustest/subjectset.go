package bustest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

func subscribeSet(t *testing.T, b bus.Bus, h bus.Handler) bus.SubjectSet {
	t.Helper()
	s, err := b.SubscribeSet(h)
	if err != nil {
		t.Fatalf("SubscribeSet: %v", err)
	}
	return s
}

func add(t *testing.T, s bus.SubjectSet, subject string) {
	t.Helper()
	if err := s.Add(subject); err != nil {
		t.Fatalf("Add(%q): %v", subject, err)
	}
}

// testSubjectSet: a set receives exactly its subjects, counts references
// (a subject added twice needs two removes to leave), refuses wildcards,
// and delivers in publish order across its subjects. Non-delivery is
// proven by a fence on a subject still in the set.
func testSubjectSet(t *testing.T, b bus.Bus) {
	var r recorder
	set := subscribeSet(t, b, r.handle)
	for _, bad := range []string{"set.*", "set.>", "", "set..x"} {
		if err := set.Add(bad); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Add(%q) = %v, want ErrBadSubject", bad, err)
		}
	}
	add(t, set, "set.d1.data")
	add(t, set, "set.d2.data")
	add(t, set, "set.d2.data") // a second user of d2
	add(t, set, "set.fence")

	publish(t, b, "set.d1.data", "1")
	publish(t, b, "set.d2.data", "2")
	publish(t, b, "set.d3.data", "not in the set")
	publish(t, b, "set.fence", "f1")
	r.waitData(t, "f1")
	if got := fmt.Sprint(r.all()); got != "[{set.d1.data 1} {set.d2.data 2} {set.fence f1}]" {
		t.Fatalf("set received %s, want d1, d2 and the fence in order", got)
	}

	set.Remove("set.d1.data")
	set.Remove("set.d2.data") // one of two references
	set.Remove("set.never.added")
	publish(t, b, "set.d1.data", "removed")
	publish(t, b, "set.d2.data", "still referenced")
	publish(t, b, "set.fence", "f2")
	r.waitData(t, "f2")
	if got := fmt.Sprint(r.all()[3:]); got != "[{set.d2.data still referenced} {set.fence f2}]" {
		t.Fatalf("after removes the set received %s, want d2 (still referenced) and the fence", got)
	}

	set.Remove("set.d2.data")
	publish(t, b, "set.d2.data", "last reference gone")
	publish(t, b, "set.fence", "f3")
	r.waitData(t, "f3")
	if got := fmt.Sprint(r.all()[5:]); got != "[{set.fence f3}]" {
		t.Fatalf("after the last remove the set received %s, want the fence only", got)
	}
}

// testSubjectSetUnsubscribe: once Unsubscribe returns the handler is not
// called again, while an ordinary subscription on the same subject carries
// on; Add afterwards fails.
func testSubjectSetUnsubscribe(t *testing.T, b bus.Bus) {
	var (
		gone, late atomic.Bool
		calls      atomic.Int32
		other      recorder
	)
	set := subscribeSet(t, b, func(string, []byte) {
		if gone.Load() {
			late.Store(true)
		}
		calls.Add(1)
	})
	add(t, set, "setunsub.a")
	subscribe(t, b, "setunsub.a", other.handle)
	publish(t, b, "setunsub.a", "before")
	eventually(t, "delivery before Unsubscribe", func() bool { return calls.Load() == 1 })
	if err := set.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	gone.Store(true)
	publish(t, b, "setunsub.a", "after")
	publish(t, b, "setunsub.a", "fence")
	other.waitData(t, "fence")
	if late.Load() || calls.Load() != 1 {
		t.Errorf("set handler called %d times, want 1: delivery continued after Unsubscribe", calls.Load())
	}
	if err := set.Add("setunsub.b"); err == nil {
		t.Error("Add after Unsubscribe succeeded")
	}
	if err := set.Unsubscribe(); err != nil {
		t.Errorf("second Unsubscribe: %v", err)
	}
}

// testSubjectSetAcrossNodes: once Add returns, a message published once on
// another node reaches the set; after the last Remove, none does.
func testSubjectSetAcrossNodes(t *testing.T, a, b bus.Bus) {
	var r recorder
	set := subscribeSet(t, b, r.handle)
	add(t, set, "nodeset.fence")
	for i := range 20 {
		subject := fmt.Sprintf("nodeset.d%d", i)
		add(t, set, subject)
		publish(t, a, subject, subject)
		r.waitData(t, subject)
		set.Remove(subject)
	}
	publish(t, a, "nodeset.d0", "removed")
	publish(t, a, "nodeset.fence", "fence")
	r.waitData(t, "fence")
	if n := r.count(); n != 21 {
		t.Errorf("set received %d messages, want the 20 added and the fence: %v", n, r.all())
	}
}
