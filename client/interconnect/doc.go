// Package interconnect is a Go client of Switchboard's interconnect relay
// (/ws/interconnect/v1): DialWatch speaks as a watch quick app (Vela's
// system.interconnect), DialPhone as its phone app (the Xiaomi Wear SDK's
// calls). The codes are the relay's (docs/protocol-interconnect.md): a
// watch's calls fail with Vela codes (204, 1006, 1009 ...), a phone's with
// Xiaomi Wear Status codes (-2 ... -9).
//
// Events (pair opened or closed, errors, messages, node changes) arrive on
// Events(), which must be drained: the client reads the connection in
// order, so an unread event holds up the results behind it.
package interconnect
