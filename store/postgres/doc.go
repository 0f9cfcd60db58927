// Package postgres is the PostgreSQL implementation of store.Store and
// relay.Store, for several nodes sharing one database (issue 16).
//
// It mirrors store/sqlite file by file (apps.go, devices.go, nodes.go, ...)
// and passes the same contract suites. Times are bigint unix milliseconds,
// as in SQLite, so values truncate and compare identically on both engines.
// Every write returns after its COMMIT (synchronous_commit is left at its
// default, on). Where SQLite relies on its single writer, the statements
// here are safe for several writers: upserts (INSERT ... ON CONFLICT),
// compare-and-set UPDATEs, and row locks (SELECT ... FOR UPDATE) around
// read-then-write steps.
package postgres
