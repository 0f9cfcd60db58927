package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// firstConn returns a connection of db, retrying while SQLite reports
// SQLITE_BUSY for up to busyTimeoutMS.
//
// Opening a connection runs PRAGMA journal_mode(WAL). On a file that is not
// in WAL mode yet, two connections doing that at once (two processes starting
// on a new database) can each hold a read lock while wanting the write lock;
// SQLite resolves that deadlock by failing one of them with SQLITE_BUSY at
// once, without consulting busy_timeout. Once the winner has converted the
// file the pragma is a no-op, so the loser only needs to try again.
func firstConn(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	deadline := time.Now().Add(busyTimeoutMS * time.Millisecond)
	wait := 5 * time.Millisecond
	for {
		conn, err := db.Conn(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return conn, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (after %v)", ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// isBusy reports whether err is SQLITE_BUSY or one of its extended codes.
func isBusy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}
