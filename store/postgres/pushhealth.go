package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-iot/switchboard/partners"
)

// The push-health statements (as store/sqlite's). Counts are increments,
// so the nodes delivering for one partner add up; two nodes adding to one
// bucket at once take turns on its row lock.
const (
	addPushCountSQL = `INSERT INTO push_counts (app_id, bucket, attempts, failed) VALUES ($1, $2, $3, $4)
ON CONFLICT (app_id, bucket) DO UPDATE SET attempts = push_counts.attempts + $3, failed = push_counts.failed + $4`
	setPushErrorSQL = `INSERT INTO push_health (app_id, warned_at, last_error) VALUES ($1, NULL, $2)
ON CONFLICT (app_id) DO UPDATE SET last_error = $2`
	prunePushCountsSQL = `DELETE FROM push_counts WHERE app_id = $1 AND bucket < $2`
	pushTallySQL       = `SELECT
	(SELECT COALESCE(SUM(attempts), 0)::BIGINT FROM push_counts WHERE app_id = $1 AND bucket >= $2),
	(SELECT COALESCE(SUM(failed), 0)::BIGINT FROM push_counts WHERE app_id = $1 AND bucket >= $2),
	(SELECT warned_at FROM push_health WHERE app_id = $1),
	(SELECT last_error FROM push_health WHERE app_id = $1)`
	warnFromNoneSQL = `INSERT INTO push_health (app_id, warned_at, last_error) VALUES ($1, $2, '')
ON CONFLICT (app_id) DO UPDATE SET warned_at = $2 WHERE push_health.warned_at IS NULL`
	warnFromSQL = `UPDATE push_health SET warned_at = $3 WHERE app_id = $1 AND warned_at = $2`
)

// AddPushCounts adds one node's counts and returns the partner's tally.
func (s *Store) AddPushCounts(ctx context.Context, appID string, counts []partners.PushCount, lastErr string, since time.Time) (partners.PushTally, error) {
	what := fmt.Sprintf("add push counts of %q", appID)
	var t partners.PushTally
	err := s.writeTx(ctx, what, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, c := range counts {
			b.Queue(addPushCountSQL, appID, toMS(c.Bucket), c.Attempts, c.Failed)
		}
		if lastErr != "" {
			b.Queue(setPushErrorSQL, appID, lastErr)
		}
		b.Queue(prunePushCountsSQL, appID, toMS(since))
		if err := execBatch(ctx, tx, &b, func(_ int, err error) error {
			return fkNotFound(err, fmt.Sprintf("partner %q", appID))
		}); err != nil {
			return err
		}
		var err error
		t, err = scanPushTally(tx.QueryRow(ctx, pushTallySQL, appID, toMS(since)))
		return err
	})
	return t, err
}

// PushTally reads the partner's tally.
func (s *Store) PushTally(ctx context.Context, appID string, since time.Time) (partners.PushTally, error) {
	t, err := scanPushTally(s.db.QueryRow(ctx, pushTallySQL, appID, toMS(since)))
	return t, mapErr(err, fmt.Sprintf("push tally of %q", appID))
}

func scanPushTally(row scanner) (partners.PushTally, error) {
	var t partners.PushTally
	var attempts, failed int64
	var warned sql.NullInt64
	var lastErr sql.NullString
	if err := row.Scan(&attempts, &failed, &warned, &lastErr); err != nil {
		return t, err
	}
	t.Attempts, t.Failed = int(attempts), int(failed)
	t.WarnedAt, t.LastError = fromNullMS(warned), lastErr.String
	return t, nil
}

// SetPushWarning moves the warning clock from from to to, if it is still
// from.
func (s *Store) SetPushWarning(ctx context.Context, appID string, from, to time.Time) (bool, error) {
	what := fmt.Sprintf("set push warning of %q", appID)
	var err error
	var n int64
	switch {
	case from.IsZero() && to.IsZero():
		return true, nil
	case from.IsZero():
		tag, e := s.db.Exec(ctx, warnFromNoneSQL, appID, toMS(to))
		n, err = tag.RowsAffected(), e
	default:
		tag, e := s.db.Exec(ctx, warnFromSQL, appID, toMS(from), toNullMS(to))
		n, err = tag.RowsAffected(), e
	}
	if err != nil {
		return false, mapErr(fkNotFound(err, fmt.Sprintf("partner %q", appID)), what)
	}
	return n == 1, nil
}

// DeletePushHealth forgets a partner's counts and warning.
func (s *Store) DeletePushHealth(ctx context.Context, appID string) error {
	return s.writeTx(ctx, fmt.Sprintf("delete push health of %q", appID), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM push_counts WHERE app_id = $1`, appID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM push_health WHERE app_id = $1`, appID)
		return err
	})
}
