package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
)

// The push-health statements. Counts are increments, so the nodes
// delivering for one partner add up rather than overwrite each other.
const (
	addPushCountSQL = `INSERT INTO push_counts (app_id, bucket, attempts, failed) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (app_id, bucket) DO UPDATE SET attempts = attempts + ?3, failed = failed + ?4`
	setPushErrorSQL = `INSERT INTO push_health (app_id, warned_at, last_error) VALUES (?1, NULL, ?2)
ON CONFLICT (app_id) DO UPDATE SET last_error = ?2`
	prunePushCountsSQL = `DELETE FROM push_counts WHERE app_id = ?1 AND bucket < ?2`
	pushTallySQL       = `SELECT
	(SELECT COALESCE(SUM(attempts), 0) FROM push_counts WHERE app_id = ?1 AND bucket >= ?2),
	(SELECT COALESCE(SUM(failed), 0) FROM push_counts WHERE app_id = ?1 AND bucket >= ?2),
	(SELECT warned_at FROM push_health WHERE app_id = ?1),
	(SELECT last_error FROM push_health WHERE app_id = ?1)`
	// The warning clock's compare-and-set: from "not warned" (which may
	// have no row yet), or from one time.
	warnFromNoneSQL = `INSERT INTO push_health (app_id, warned_at, last_error) VALUES (?1, ?2, '')
ON CONFLICT (app_id) DO UPDATE SET warned_at = ?2 WHERE push_health.warned_at IS NULL`
	warnFromSQL = `UPDATE push_health SET warned_at = ?3 WHERE app_id = ?1 AND warned_at = ?2`
)

// AddPushCounts adds one node's counts and returns the partner's tally.
func (s *Store) AddPushCounts(ctx context.Context, appID string, counts []partners.PushCount, lastErr string, since time.Time) (partners.PushTally, error) {
	what := fmt.Sprintf("add push counts of %q", appID)
	var t partners.PushTally
	err := s.writeTx(ctx, what, func(tx *sql.Tx) error {
		for _, c := range counts {
			if _, err := s.execTx(ctx, tx, addPushCountSQL, appID, toMS(c.Bucket), c.Attempts, c.Failed); err != nil {
				return fkNotFound(err, fmt.Sprintf("partner %q", appID))
			}
		}
		if lastErr != "" {
			if _, err := s.execTx(ctx, tx, setPushErrorSQL, appID, lastErr); err != nil {
				return fkNotFound(err, fmt.Sprintf("partner %q", appID))
			}
		}
		if _, err := s.execTx(ctx, tx, prunePushCountsSQL, appID, toMS(since)); err != nil {
			return err
		}
		var err error
		t, err = scanPushTally(s.queryRowTx(ctx, tx, pushTallySQL, appID, toMS(since)))
		return err
	})
	return t, err
}

// PushTally reads the partner's tally.
func (s *Store) PushTally(ctx context.Context, appID string, since time.Time) (partners.PushTally, error) {
	t, err := scanPushTally(s.rq.queryRow(ctx, pushTallySQL, appID, toMS(since)))
	return t, mapErr(err, fmt.Sprintf("push tally of %q", appID))
}

func scanPushTally(row scanner) (partners.PushTally, error) {
	var t partners.PushTally
	var warned sql.NullInt64
	var lastErr sql.NullString
	if err := row.Scan(&t.Attempts, &t.Failed, &warned, &lastErr); err != nil {
		return t, err
	}
	t.WarnedAt, t.LastError = fromNullMS(warned), lastErr.String
	return t, nil
}

// SetPushWarning moves the warning clock from from to to, if it is still
// from.
func (s *Store) SetPushWarning(ctx context.Context, appID string, from, to time.Time) (bool, error) {
	what := fmt.Sprintf("set push warning of %q", appID)
	var res sql.Result
	var err error
	if from.IsZero() {
		if to.IsZero() {
			return true, nil
		}
		res, err = s.wq.exec(ctx, warnFromNoneSQL, appID, toMS(to))
	} else {
		res, err = s.wq.exec(ctx, warnFromSQL, appID, toMS(from), toNullMS(to))
	}
	if err != nil {
		return false, mapErr(fkNotFound(err, fmt.Sprintf("partner %q", appID)), what)
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err, what)
}

// DeletePushHealth forgets a partner's counts and warning.
func (s *Store) DeletePushHealth(ctx context.Context, appID string) error {
	return s.writeTx(ctx, fmt.Sprintf("delete push health of %q", appID), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM push_counts WHERE app_id = ?`, appID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM push_health WHERE app_id = ?`, appID)
		return err
	})
}
