// Package wssession is the skeleton both WebSocket adapters (adapter/gizws,
// /ws/app/v1, and adapter/interconnect, the relay) build their sessions
// on: a bounded send queue that producers fill without waiting, a writer
// that drains it, and one close path whose first reason (a close code and
// text, or an abrupt drop) wins.
//
// The writer is either a goroutine for the session's life (WriteLoop, the
// relay) or one started only while frames are queued, with the deadlines
// on a runtime timer (Start, the app API, whose idle sessions are many).
//
// What differs stays in the adapters: the frames, the reader, the
// deadlines the writer enforces (Loop.Deadline), how a failed write is
// described (Loop.WriteFailed), and the codes they close with.
package wssession
