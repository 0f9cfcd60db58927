package core_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
)

// Detail gives clients the refusal's own words and nothing of the chain.
func TestDetail(t *testing.T) {
	fe := &datapoint.FieldError{Field: "LED_R", Err: datapoint.ErrRange, Reason: "must be a number from 0 to 254 in steps of 1"}
	ie := &core.InputError{Field: "raw", Reason: "is not a valid P0 frame", Err: errors.New("p0: truncated")}
	for _, c := range []struct {
		err     error
		want    string
		invalid bool
	}{
		{fmt.Errorf("%w: %w", core.ErrInvalidInput, fe), "LED_R must be a number from 0 to 254 in steps of 1", true},
		{fmt.Errorf("write: %w", ie), "raw is not a valid P0 frame", true},
		{&core.InputError{Reason: "give 1 to 8 permissions"}, "give 1 to 8 permissions", true},
		{errors.New("sql: database is locked"), "", false},
		{core.ErrDeviceOffline, "", false},
	} {
		if got := core.Detail(c.err); got != c.want {
			t.Errorf("Detail(%v) = %q, want %q", c.err, got, c.want)
		}
		if errors.Is(c.err, core.ErrInvalidInput) != c.invalid {
			t.Errorf("%v: Is(ErrInvalidInput) = %v", c.err, !c.invalid)
		}
	}
	if !errors.Is(ie, ie.Err) {
		t.Error("InputError does not unwrap to its cause")
	}
}
