package admin

import (
	"net/http"
	"strconv"
	"time"
)

// Partner push operations: re-enable suspended pushes, read failed pushes,
// read pending auth codes (the operator's view of what a user would be
// sent; docs/protocol-aqara.md).

// resumePushes re-enables a partner's pushes after the failure rule
// suspended them; pending pushes are then delivered.
func (a *API) resumePushes(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("appid")
	if err := a.pd.ResumePartnerPushes(r.Context(), appID); err != nil {
		a.coreError(w, err)
		return
	}
	p, err := a.pd.Partner(r.Context(), appID)
	if err != nil {
		a.coreError(w, err)
		return
	}
	a.log.Info("partner pushes re-enabled", "app_id", appID)
	writeJSON(w, http.StatusOK, a.viewPartner(r.Context(), p))
}

type failedPushView struct {
	MsgID     string     `json:"msg_id"`
	CreatedAt time.Time  `json:"created_at"`
	FailedAt  *time.Time `json:"failed_at"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	State     string     `json:"state"` // pending, delivered, dead
	NextAt    *time.Time `json:"next_at"`
	Body      string     `json:"body"` // the core's payload (JSON)
}

// failedPushes lists a partner's pushes that failed at least once in the
// last 12 hours, newest failure first (?limit, default 100, max 1000;
// ?offset).
func (a *API) failedPushes(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("appid")
	if _, err := a.pd.Partner(r.Context(), appID); err != nil {
		a.coreError(w, err)
		return
	}
	limit, offset := 100, 0
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid_query", "limit must be 1 to 1000")
			return
		}
		limit = n
	}
	if v := r.URL.Query().Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "invalid_query", "offset must be a non-negative integer")
			return
		}
		offset = n
	}
	ps, err := a.pd.FailedPushes(r.Context(), appID, time.Now().Add(-12*time.Hour), limit, offset)
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := make([]failedPushView, 0, len(ps))
	for _, p := range ps {
		v := failedPushView{MsgID: p.MsgID, CreatedAt: p.CreatedAt, FailedAt: optionalTime(p.FailedAt), Attempts: p.Attempts,
			LastError: p.LastError, State: [...]string{"pending", "delivered", "dead"}[p.State], Body: string(p.Payload)}
		if p.State == 0 {
			v.NextAt = optionalTime(p.NextAt)
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"pushes": out})
}

type authCodeView struct {
	UID       string    `json:"uid"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// authCodes lists a partner's pending auth codes (config.auth.getAuthCode
// for real users): Switchboard sends no SMS, so the operator or the user's
// console relays the code.
func (a *API) authCodes(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("appid")
	if _, err := a.pd.Partner(r.Context(), appID); err != nil {
		a.coreError(w, err)
		return
	}
	cs, err := a.pd.PendingAuthCodes(r.Context(), appID)
	if err != nil {
		a.coreError(w, err)
		return
	}
	out := make([]authCodeView, 0, len(cs))
	for _, c := range cs {
		out = append(out, authCodeView{UID: c.UID, Code: c.Code, ExpiresAt: c.ExpiresAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"auth_codes": out})
}
