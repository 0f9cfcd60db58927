package freshstack_test

import (
	"testing"

	"github.com/switchboard-iot/switchboard/internal/freshstack"
)

// Run returns only after f has returned, so what f wrote is visible to the
// caller, and calls run in order.
func TestRunWaitsForF(t *testing.T) {
	var got []int
	for i := range 100 {
		freshstack.Run(func() { got = append(got, i) })
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("call %d saw %d", i, v)
		}
	}
	if len(got) != 100 {
		t.Fatalf("%d calls ran, want 100", len(got))
	}
}
