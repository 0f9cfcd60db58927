package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

const pushCols = `id, msg_id, app_id, payload, state, attempts, last_error, created_at, next_at, failed_at, done_at`

// enqueuePushSQL inserts one push, inside the transaction of the event
// that causes it.
const enqueuePushSQL = `INSERT INTO push_outbox (msg_id, app_id, payload, last_error, created_at, next_at, failed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

// The write steps of PushesDelivered and PushesFailed. Only pending pushes
// change: a late report about a push that is done already must not rewrite
// its history.
const (
	deliveredDeleteSQL = `DELETE FROM push_outbox WHERE id = ANY($1::bigint[]) AND state = 0 AND failed_at IS NULL`
	deliveredUpdateSQL = `UPDATE push_outbox SET state = 1, done_at = $1 WHERE id = ANY($2::bigint[]) AND state = 0`
	// $5 is Dead: the push is done at $3 and keeps its last next_at.
	pushFailedSQL = `UPDATE push_outbox SET attempts = $1, last_error = $2, failed_at = COALESCE(failed_at, $3), claimed_by = '',
	next_at = CASE WHEN $5::boolean THEN next_at ELSE $4 END,
	state = CASE WHEN $5::boolean THEN 2 ELSE 0 END,
	done_at = CASE WHEN $5::boolean THEN $3 END
WHERE id = $6 AND state = 0`
)

// The outbox reads; the literal "state = 0" matches the partial indexes.
const (
	duePushesSQL = `SELECT ` + pushCols + ` FROM push_outbox
WHERE app_id = $1 AND state = 0 AND next_at <= $2 ORDER BY id LIMIT $3`
	nextPushAtSQL   = `SELECT MIN(next_at) FROM push_outbox WHERE app_id = $1 AND state = 0`
	failedPushesSQL = `SELECT ` + pushCols + ` FROM push_outbox
WHERE app_id = $1 AND failed_at >= $2 ORDER BY failed_at DESC, id DESC LIMIT $3 OFFSET $4`
	prunePushesSQL = `DELETE FROM push_outbox WHERE state <> 0 AND failed_at < $1`
)

// enqueueTx inserts pushes inside tx. A MsgID that exists fails the whole
// transaction with store.ErrConflict (through the caller's mapErr), an
// unknown partner with store.ErrNotFound.
func enqueueTx(ctx context.Context, tx pgx.Tx, pushes []store.Push) error {
	var b pgx.Batch // one round trip for all of them
	for _, p := range pushes {
		payload := p.Payload
		if payload == nil {
			payload = []byte{} // a nil slice is bound as NULL
		}
		b.Queue(enqueuePushSQL, p.MsgID, p.AppID, payload, p.LastError,
			toMS(p.CreatedAt), toMS(p.NextAt), toNullMS(p.FailedAt))
	}
	return execBatch(ctx, tx, &b, func(i int, err error) error {
		p := pushes[i]
		return fmt.Errorf("enqueue push %q: %w", p.MsgID, fkNotFound(err, fmt.Sprintf("partner %q", p.AppID)))
	})
}

// EnqueuePushes inserts pushes in one transaction; store.ErrConflict when a
// MsgID exists, store.ErrNotFound when a partner does not.
func (s *Store) EnqueuePushes(ctx context.Context, pushes []store.Push) error {
	if len(pushes) == 0 {
		return nil
	}
	return s.writeTx(ctx, "enqueue pushes", func(tx pgx.Tx) error {
		return enqueueTx(ctx, tx, pushes)
	})
}

// DuePushes returns up to limit pending pushes of appID due at now, by id.
// A non-positive limit means no limit. It is a plain read: the store
// interface has no claim step (core delivers each partner's pushes from
// one place), so there is nothing to lock here.
func (s *Store) DuePushes(ctx context.Context, appID string, now time.Time, limit int) ([]store.Push, error) {
	rows, err := s.db.Query(ctx, duePushesSQL, appID, toMS(now), sqlLimit(limit))
	return collect(rows, err, fmt.Sprintf("due pushes of partner %q", appID), scanPush)
}

// claimPushesSQL leases due pushes: SKIP LOCKED lets concurrent claimers
// (other nodes) pass rows another claim holds, so none is taken twice.
const claimPushesSQL = `UPDATE push_outbox SET next_at = $3, claimed_by = $5 WHERE id IN (
SELECT id FROM push_outbox WHERE app_id = $1 AND state = 0 AND next_at <= $2 ORDER BY id LIMIT $4
FOR UPDATE SKIP LOCKED) RETURNING ` + pushCols

// ClaimPushes leases up to limit due pushes of appID until until.
func (s *Store) ClaimPushes(ctx context.Context, appID, claimant string, now, until time.Time, limit int) ([]store.Push, error) {
	rows, err := s.db.Query(ctx, claimPushesSQL, appID, toMS(now), toMS(until), sqlLimit(limit), claimant)
	ps, err := collect(rows, err, fmt.Sprintf("claim pushes of partner %q", appID), scanPush)
	// RETURNING has no order of its own.
	slices.SortFunc(ps, func(a, b store.Push) int { return cmp.Compare(a.ID, b.ID) })
	return ps, err
}

// ReleaseClaims makes claimant's claimed pending pushes due at now.
func (s *Store) ReleaseClaims(ctx context.Context, claimant string, now time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `UPDATE push_outbox SET next_at = $2, claimed_by = '' WHERE claimed_by = $1 AND state = 0 AND next_at > $2`,
		claimant, toMS(now))
	if err != nil {
		return 0, mapErr(err, "release push claims")
	}
	return int(tag.RowsAffected()), nil
}

// NextPushAt returns the earliest NextAt among appID's pending pushes.
func (s *Store) NextPushAt(ctx context.Context, appID string) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.db.QueryRow(ctx, nextPushAtSQL, appID).Scan(&next); err != nil {
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
	// Two set statements for the batch, not two per push: the delete takes
	// the pushes that never failed, so the update sees only those that did.
	return s.writeTx(ctx, "pushes delivered", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deliveredDeleteSQL, ids); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, deliveredUpdateSQL, toMS(at), ids)
		return err
	})
}

// PushesFailed records failed attempts of pending pushes in one
// transaction; the first failure time of a push is kept.
func (s *Store) PushesFailed(ctx context.Context, failures []partners.PushFailure) error {
	if len(failures) == 0 {
		return nil
	}
	return s.writeTx(ctx, "pushes failed", func(tx pgx.Tx) error {
		for _, f := range failures {
			_, err := tx.Exec(ctx, pushFailedSQL, f.Attempts, f.Error, toMS(f.At), toMS(f.NextAt), f.Dead, f.ID)
			if err != nil {
				return fmt.Errorf("push %d: %w", f.ID, err)
			}
		}
		return nil
	})
}

// CountPendingPushes counts pending pushes per partner.
func (s *Store) CountPendingPushes(ctx context.Context) (map[string]int64, error) {
	const what = "count pending pushes"
	rows, err := s.db.Query(ctx, `SELECT app_id, count(*) FROM push_outbox WHERE state = 0 GROUP BY app_id`)
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
// newest first failure first (ties: newest id first).
func (s *Store) FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error) {
	rows, err := s.db.Query(ctx, failedPushesSQL, appID, toMS(since), sqlLimit(limit), max(offset, 0))
	return collect(rows, err, fmt.Sprintf("failed pushes of partner %q", appID), scanPush)
}

// PrunePushes deletes done pushes first failing before failedBefore.
func (s *Store) PrunePushes(ctx context.Context, failedBefore time.Time) (int, error) {
	return s.deleteMany(ctx, "prune pushes", prunePushesSQL, toMS(failedBefore))
}

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
