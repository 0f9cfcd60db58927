package relay

import (
	"context"
	"time"
)

// MaxDiagnosisTimeout caps the wait a client may ask of diagnosis, so a
// request cannot park a goroutine for hours.
const MaxDiagnosisTimeout = 60 * time.Second

// Diagnose answers the watch's diagnosis: DiagOK when its phone app is
// connected; DiagUninstalled at once when no phone app of the package ever
// registered for the user; DiagOthers at once on a certificate mismatch;
// otherwise it waits up to timeout for the phone app to connect and answers
// DiagTimeout if it does not. The text explains non-zero results.
func (ic *Relay) Diagnose(ctx context.Context, h *Handle, timeout time.Duration) (int, string, error) {
	timeout = min(max(timeout, 0), MaxDiagnosisTimeout)
	phones, err := ic.store.ListInterconnectPhoneApps(ctx, h.uid, h.pkg)
	if err != nil {
		return 0, "", err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		ic.mu.Lock()
		paired := ic.phoneLiveLocked(h.uid, h.pkg, h.fp)
		mismatch := ic.mismatchedPhoneLocked(h.uid, h.pkg, h.fp)
		changed := ic.changed
		gone := h.gone
		ic.mu.Unlock()
		if paired {
			return DiagOK, "ok", nil
		}
		if gone {
			return DiagOthers, "the watch app's connection closed", nil
		}
		if code, text := watchProblem(h, phones, mismatch); code != DiagOK {
			return code, text, nil
		}
		select {
		case <-changed:
		case <-timer.C:
			return DiagTimeout, "the phone app did not connect within " + timeout.String(), nil
		case <-ctx.Done():
			return DiagOthers, "the watch app's connection closed", nil
		}
	}
}
