// Package wssession is the skeleton both WebSocket adapters (adapter/gizws,
// /ws/app/v1, and adapter/interconnect, the relay) build their sessions
// on: a bounded send queue that producers fill without waiting, one
// writer goroutine that drains it, and one close path whose first reason
// (a close code and text, or an abrupt drop) wins.
//
// What differs stays in the adapters: the frames, the reader, the
// deadlines the writer enforces (Loop.Deadline), how a failed write is
// described (Loop.WriteFailed), and the codes they close with.
package wssession
