package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// pushCols is the column list every push query returns, in scanPush's order.
const pushCols = `id, msg_id, app_id, payload, state, attempts, last_error, created_at, next_at, failed_at, done_at`

// enqueuePushSQL inserts one push. It runs inside the transaction of the
// event that causes the push, once per push, so it is warmed (txStatements)
// and each batch re-executes the one prepared statement.
const enqueuePushSQL = `INSERT INTO push_outbox (msg_id, app_id, payload, last_error, created_at, next_at, failed_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`

// The write steps of PushesDelivered (one execution per batch: ?1 is the
// ids as a JSON array, so a batch of hundreds is two statements, not two per
// push) and PushesFailed (one per push). Only pending pushes change: a late
// report about a push that is done already must not rewrite its history.
const (
	// A push that never failed has nothing to tell query.push.errorMsg; the
	// delete goes first, so the update sees only the pushes that did fail.
	deliveredDeleteSQL = `DELETE FROM push_outbox WHERE id IN (SELECT value FROM json_each(?1)) AND state = 0 AND failed_at IS NULL`
	deliveredUpdateSQL = `UPDATE push_outbox SET state = 1, done_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND state = 0`
	// ?5 is Dead: the push is done at ?3 and keeps its last next_at (the
	// column is NOT NULL, and the failure's NextAt means nothing then).
	pushFailedSQL = `UPDATE push_outbox SET attempts = ?1, last_error = ?2, failed_at = COALESCE(failed_at, ?3), claimed_by = '',
	next_at = CASE WHEN ?5 THEN next_at ELSE ?4 END,
	state = CASE WHEN ?5 THEN 2 ELSE 0 END,
	done_at = CASE WHEN ?5 THEN ?3 END
WHERE id = ?6 AND state = 0`
)

// The outbox reads. The literal "state = 0" (not a parameter) is what lets
// SQLite use the partial indexes of 0004.
const (
	// Left to itself the planner prefers the next_at range of
	// push_outbox_next and sorts every due push to return the first few;
	// walking push_outbox_due in id order stops after limit rows, which is
	// what draining a backlog needs.
	duePushesSQL = `SELECT ` + pushCols + ` FROM push_outbox INDEXED BY push_outbox_due
WHERE app_id = ? AND state = 0 AND next_at <= ? ORDER BY id LIMIT ?`
	// One statement: SQLite's single writer makes it atomic, so two
	// claims cannot take the same row.
	claimPushesSQL = `UPDATE push_outbox SET next_at = ?3, claimed_by = ?5 WHERE id IN (
SELECT id FROM push_outbox INDEXED BY push_outbox_due WHERE app_id = ?1 AND state = 0 AND next_at <= ?2 ORDER BY id LIMIT ?4)
RETURNING ` + pushCols
	releaseClaimsSQL = `UPDATE push_outbox SET next_at = ?2, claimed_by = '' WHERE claimed_by = ?1 AND state = 0 AND next_at > ?2`
	nextPushAtSQL    = `SELECT MIN(next_at) FROM push_outbox WHERE app_id = ? AND state = 0`
	failedPushesSQL  = `SELECT ` + pushCols + ` FROM push_outbox
WHERE app_id = ? AND failed_at >= ? ORDER BY failed_at DESC, id DESC LIMIT ? OFFSET ?`
	prunePushesSQL = `DELETE FROM push_outbox WHERE state <> 0 AND failed_at < ?`
)

// enqueueTx inserts pushes inside tx. A MsgID that exists fails the whole
// transaction with store.ErrConflict (through the caller's mapErr), an
// unknown partner with store.ErrNotFound.
func (s *Store) enqueueTx(ctx context.Context, tx *sql.Tx, pushes []store.Push) error {
	if len(pushes) == 0 {
		return nil
	}
	stmt, err := s.wq.inTx(ctx, tx, enqueuePushSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, p := range pushes {
		payload := p.Payload
		if payload == nil {
			payload = []byte{} // the driver binds a nil slice as NULL
		}
		_, err := stmt.ExecContext(ctx, p.MsgID, p.AppID, payload, p.LastError,
			toMS(p.CreatedAt), toMS(p.NextAt), toNullMS(p.FailedAt))
		if err != nil {
			return fmt.Errorf("enqueue push %q: %w", p.MsgID, fkNotFound(err, fmt.Sprintf("partner %q", p.AppID)))
		}
	}
	return nil
}

// EnqueuePushes inserts pushes in one transaction; store.ErrConflict when a
// MsgID exists, store.ErrNotFound when a partner does not.
func (s *Store) EnqueuePushes(ctx context.Context, pushes []store.Push) error {
	if len(pushes) == 0 {
		return nil
	}
	return s.writeTx(ctx, "enqueue pushes", func(tx *sql.Tx) error {
		return s.enqueueTx(ctx, tx, pushes)
	})
}

// DuePushes returns up to limit pending pushes of appID due at now, by id.
// A non-positive limit means no limit.
func (s *Store) DuePushes(ctx context.Context, appID string, now time.Time, limit int) ([]store.Push, error) {
	return s.listPushes(ctx, fmt.Sprintf("due pushes of partner %q", appID),
		duePushesSQL, appID, toMS(now), sqlLimit(limit))
}

// ClaimPushes leases up to limit due pushes of appID until until.
func (s *Store) ClaimPushes(ctx context.Context, appID, claimant string, now, until time.Time, limit int) ([]store.Push, error) {
	what := fmt.Sprintf("claim pushes of partner %q", appID)
	rows, err := s.wq.query(ctx, claimPushesSQL, appID, toMS(now), toMS(until), sqlLimit(limit), claimant)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var ps []store.Push
	for rows.Next() {
		p, err := scanPush(rows)
		if err != nil {
			return nil, mapErr(err, what)
		}
		ps = append(ps, p)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, what)
	}
	// RETURNING has no order of its own.
	slices.SortFunc(ps, func(a, b store.Push) int { return cmp.Compare(a.ID, b.ID) })
	return ps, nil
}

// ReleaseClaims makes claimant's claimed pending pushes due at now.
func (s *Store) ReleaseClaims(ctx context.Context, claimant string, now time.Time) (int, error) {
	res, err := s.wq.exec(ctx, releaseClaimsSQL, claimant, toMS(now))
	if err != nil {
		return 0, mapErr(err, "release push claims")
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err, "release push claims")
}

// NextPushAt returns the earliest NextAt among appID's pending pushes.
func (s *Store) NextPushAt(ctx context.Context, appID string) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.rq.queryRow(ctx, nextPushAtSQL, appID).Scan(&next); err != nil {
		return time.Time{}, false, mapErr(err, fmt.Sprintf("next push of partner %q", appID))
	}
	return fromNullMS(next), next.Valid, nil
}

// PushesDelivered deletes the pushes that never failed and marks the others
// PushDelivered at at, in one transaction.
func (s *Store) PushesDelivered(ctx context.Context, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	list, _ := json.Marshal(ids) // []int64: cannot fail
	return s.writeTx(ctx, "pushes delivered", func(tx *sql.Tx) error {
		del, err := s.wq.inTx(ctx, tx, deliveredDeleteSQL)
		if err != nil {
			return err
		}
		defer del.Close()
		res, err := del.ExecContext(ctx, string(list))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == int64(len(ids)) {
			return err // all of them never failed: nothing to update
		}
		upd, err := s.wq.inTx(ctx, tx, deliveredUpdateSQL)
		if err != nil {
			return err
		}
		defer upd.Close()
		_, err = upd.ExecContext(ctx, string(list), toMS(at))
		return err
	})
}

// PushesFailed records failed attempts of pending pushes in one
// transaction; the first failure time of a push is kept.
func (s *Store) PushesFailed(ctx context.Context, failures []partners.PushFailure) error {
	if len(failures) == 0 {
		return nil
	}
	return s.writeTx(ctx, "pushes failed", func(tx *sql.Tx) error {
		stmt, err := s.wq.inTx(ctx, tx, pushFailedSQL)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, f := range failures {
			_, err := stmt.ExecContext(ctx, f.Attempts, f.Error, toMS(f.At), toMS(f.NextAt), f.Dead, f.ID)
			if err != nil {
				return fmt.Errorf("push %d: %w", f.ID, err)
			}
		}
		return nil
	})
}

// CountPendingPushes counts pending pushes per partner. It reads the whole
// pending index; it is for metrics and the console, not the delivery path.
func (s *Store) CountPendingPushes(ctx context.Context) (map[string]int64, error) {
	const what = "count pending pushes"
	rows, err := s.rq.query(ctx, `SELECT app_id, count(*) FROM push_outbox WHERE state = 0 GROUP BY app_id`)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	counts := make(map[string]int64)
	for rows.Next() {
		var app string
		var n int64
		if err := rows.Scan(&app, &n); err != nil {
			return nil, mapErr(err, what)
		}
		counts[app] = n
	}
	return counts, mapErr(rows.Err(), what)
}

// FailedPushes returns appID's pushes first failing at or after since,
// newest first failure first (ties: newest id first). A non-positive limit
// means no limit; a negative offset counts as 0.
func (s *Store) FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error) {
	return s.listPushes(ctx, fmt.Sprintf("failed pushes of partner %q", appID),
		failedPushesSQL, appID, toMS(since), sqlLimit(limit), max(offset, 0))
}

// PrunePushes deletes done pushes first failing before failedBefore.
func (s *Store) PrunePushes(ctx context.Context, failedBefore time.Time) (int, error) {
	return s.deleteMany(ctx, "prune pushes", prunePushesSQL, toMS(failedBefore))
}

// listPushes runs a push query on the read pool and collects the rows.
func (s *Store) listPushes(ctx context.Context, what, query string, args ...any) ([]store.Push, error) {
	rows, err := s.rq.query(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	var ps []store.Push
	for rows.Next() {
		p, err := scanPush(rows)
		if err != nil {
			return nil, mapErr(err, what)
		}
		ps = append(ps, p)
	}
	return ps, mapErr(rows.Err(), what)
}

// scanPush reads pushCols.
func scanPush(sc scanner) (store.Push, error) {
	var p store.Push
	var created, next int64
	var failed, done sql.NullInt64
	err := sc.Scan(&p.ID, &p.MsgID, &p.AppID, &p.Payload, &p.State, &p.Attempts, &p.LastError,
		&created, &next, &failed, &done)
	if err != nil {
		return store.Push{}, err
	}
	p.CreatedAt, p.NextAt = fromMS(created), fromMS(next)
	p.FailedAt, p.DoneAt = fromNullMS(failed), fromNullMS(done)
	return p, nil
}

// sqlLimit turns the store's "non-positive means no limit" into SQLite's
// negative LIMIT.
func sqlLimit(limit int) int64 {
	if limit > 0 {
		return int64(limit)
	}
	return -1
}
