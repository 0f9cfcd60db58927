// Package sqlite implements store.Store on a single SQLite file through the
// pure-Go modernc.org/sqlite driver, so the hub builds without cgo.
//
// The database runs in WAL mode with synchronous=FULL: every commit fsyncs
// the WAL before returning, which is what makes "a write that returned nil is
// on disk" hold across power loss (WAL with synchronous=NORMAL only protects
// against application crashes).
//
// Writers are serialised through a pool of one connection whose transactions
// begin IMMEDIATE, so writers queue in Go instead of failing with SQLITE_BUSY,
// while readers use a separate read-only pool and, thanks to WAL, never wait
// for the writer.
package sqlite
