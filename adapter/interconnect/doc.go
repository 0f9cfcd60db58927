// Package interconnect is the interconnect relay's WebSocket adapter,
// /ws/interconnect/v1: a watch quick app (the device side of Vela's
// system.interconnect) and its phone app (the Xiaomi Wear SDK side) each
// connect, say who they are in a hello, and exchange JSON text frames. The
// pairing rules, codes and every decision the Vela document leaves open
// are in docs/protocol-interconnect.md; the relay's state lives in
// relay.Relay, which knows nothing of this wire format.
//
// One connection has a reader (the HTTP handler's goroutine) that handles
// the client's frames in order, a writer that drains a bounded queue (the
// skeleton of internal/wssession, shared with /ws/app/v1), and a pinger.
// A watch's sends wait in the reader while the peer's pair queue is full,
// so a pair's messages keep their order.
package interconnect

// Path is where the relay is served.
const Path = "/ws/interconnect/v1"

// ProtocolVersion is announced in the challenge frame.
const ProtocolVersion = 1
