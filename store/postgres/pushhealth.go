package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/switchboard-iot/switchboard/partners"
)

const (
	putPushWindowSQL = `INSERT INTO push_health (app_id, window_start, attempts, failed, warned_at, last_error)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (app_id) DO UPDATE SET window_start = $2, attempts = $3, failed = $4, warned_at = $5, last_error = $6`
	listPushWindowsSQL = `SELECT app_id, window_start, attempts, failed, warned_at, last_error FROM push_health ORDER BY app_id`
)

// PutPushWindow stores a partner's window; store.ErrNotFound if the
// partner does not exist.
func (s *Store) PutPushWindow(ctx context.Context, w partners.PushWindow) error {
	what := fmt.Sprintf("put push window of %q", w.AppID)
	attempts, err := json.Marshal(orEmpty(w.Attempts))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	failed, err := json.Marshal(orEmpty(w.Failed))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	_, err = s.db.Exec(ctx, putPushWindowSQL, w.AppID, toMS(w.Start), string(attempts), string(failed),
		toNullMS(w.WarnedAt), w.LastError)
	return mapErr(fkNotFound(err, fmt.Sprintf("partner %q", w.AppID)), what)
}

// DeletePushWindow forgets a partner's window.
func (s *Store) DeletePushWindow(ctx context.Context, appID string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM push_health WHERE app_id = $1`, appID)
	return mapErr(err, fmt.Sprintf("delete push window of %q", appID))
}

// ListPushWindows returns every window by app id.
func (s *Store) ListPushWindows(ctx context.Context) ([]partners.PushWindow, error) {
	rows, err := s.db.Query(ctx, listPushWindowsSQL)
	return collect(rows, err, "list push windows", func(sc scanner) (partners.PushWindow, error) {
		var w partners.PushWindow
		var start int64
		var warned sql.NullInt64
		var attempts, failed string
		if err := sc.Scan(&w.AppID, &start, &attempts, &failed, &warned, &w.LastError); err != nil {
			return w, err
		}
		if err := json.Unmarshal([]byte(attempts), &w.Attempts); err != nil {
			return w, fmt.Errorf("push window of %q: attempts: %w", w.AppID, err)
		}
		if err := json.Unmarshal([]byte(failed), &w.Failed); err != nil {
			return w, fmt.Errorf("push window of %q: failed: %w", w.AppID, err)
		}
		w.Start, w.WarnedAt = fromMS(start), fromNullMS(warned)
		return w, nil
	})
}

// orEmpty makes a nil slice encode as [] rather than null.
func orEmpty(v []int) []int {
	if v == nil {
		return []int{}
	}
	return v
}
