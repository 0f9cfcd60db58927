package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// testPushHealth covers the push-failure windows.
func testPushHealth(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	a, b := mustPartner(t, s, 2), mustPartner(t, s, 1)
	list := func(want ...partners.PushWindow) {
		t.Helper()
		got, err := s.ListPushWindows(ctx)
		if err != nil {
			t.Fatalf("ListPushWindows: %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("ListPushWindows = %+v, want %+v", got, want)
		}
		for i := range want {
			w := want[i]
			w.Start, w.WarnedAt = stored(w.Start), zeroOrStored(w.WarnedAt)
			if !reflect.DeepEqual(got[i], w) {
				t.Errorf("window %d = %+v, want %+v", i, got[i], w)
			}
		}
	}
	list()
	wa := partners.PushWindow{AppID: a.AppID, Start: at(10), Attempts: []int{3, 0, 20}, Failed: []int{1, 0, 2}, LastError: "HTTP 500"}
	wb := partners.PushWindow{AppID: b.AppID, Start: at(20), Attempts: []int{30}, Failed: []int{29}, WarnedAt: at(15), LastError: "timeout"}
	for _, w := range []partners.PushWindow{wa, wb} {
		if err := s.PutPushWindow(ctx, w); err != nil {
			t.Fatalf("PutPushWindow(%s): %v", w.AppID, err)
		}
	}
	list(wb, wa) // by app id: partner 1 first
	wa.WarnedAt, wa.Attempts, wa.Failed = at(30), []int{}, []int{}
	if err := s.PutPushWindow(ctx, wa); err != nil {
		t.Fatalf("PutPushWindow(replace): %v", err)
	}
	list(wb, wa)
	wantErr(t, "PutPushWindow(unknown partner)",
		s.PutPushWindow(ctx, partners.PushWindow{AppID: hexKey(99), Start: at(1)}), store.ErrNotFound)
	if err := s.DeletePushWindow(ctx, b.AppID); err != nil {
		t.Fatalf("DeletePushWindow: %v", err)
	}
	if err := s.DeletePushWindow(ctx, b.AppID); err != nil {
		t.Fatalf("DeletePushWindow(again): %v", err)
	}
	list(wa)
}

// zeroOrStored is stored(t), keeping the zero time zero.
func zeroOrStored(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return stored(t)
}
