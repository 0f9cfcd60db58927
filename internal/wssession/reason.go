package wssession

import "github.com/coder/websocket"

// Reason is how and why a session ends.
type Reason struct {
	Code websocket.StatusCode // sent in the close frame
	Why  string               // the close frame's text (at most 123 bytes) and the log's reason
	// Abrupt: drop the TCP connection without a close handshake (the client
	// does not read, or the connection is already broken).
	Abrupt bool
}

// Reasons both adapters close with.
var (
	// QueueFull: the client does not keep up with what it is sent.
	QueueFull = Reason{websocket.StatusPolicyViolation, "send queue full", true}
	// Shutdown: the node is stopping; clients may reconnect elsewhere.
	Shutdown = Reason{websocket.StatusGoingAway, "server shutting down", false}
)
