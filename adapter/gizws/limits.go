package gizws

import "time"

// Limits bound what one WebSocket connection may cost the node. The zero
// value of every field means its default, so server.Config need not know
// about them.
type Limits struct {
	// QueueLen is how many outgoing messages may wait for a slow client
	// (default 256). A session whose queue is full is closed at once: the
	// dispatcher never waits for a client.
	QueueLen int
	// MaxMessageSize is the largest message a client may send (default 64
	// KiB). A larger one ends the connection with WebSocket close code 1009
	// (message too big), which coder/websocket sends itself.
	MaxMessageSize int64
	// MaxSubscriptions is how many devices one session may watch (default
	// 1000); further subscribe_req entries fail with CodeTooManySubscriptions.
	MaxSubscriptions int
	// MaxLoginFailures is how many failed login_req one connection may send
	// before it is closed (default 5); the Gizwits SDKs retry three times.
	MaxLoginFailures int
	// LoginTimeout is how long a connection may stay without a successful
	// login (default 60 s).
	LoginTimeout time.Duration
	// WriteTimeout bounds one message write to the client (default 10 s).
	WriteTimeout time.Duration
	// CloseTimeout bounds how long Close waits for sessions to finish their
	// close handshakes (default 10 s).
	CloseTimeout time.Duration
}

func (l Limits) withDefaults() Limits {
	if l.QueueLen <= 0 {
		l.QueueLen = 256
	}
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = 64 << 10
	}
	if l.MaxSubscriptions <= 0 {
		l.MaxSubscriptions = 1000
	}
	if l.MaxLoginFailures <= 0 {
		l.MaxLoginFailures = 5
	}
	if l.LoginTimeout <= 0 {
		l.LoginTimeout = 60 * time.Second
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 10 * time.Second
	}
	if l.CloseTimeout <= 0 {
		l.CloseTimeout = 10 * time.Second
	}
	return l
}

// Heartbeat bounds (WebSocket document §1: heartbeat_interval must be at
// most 180 s). A missing, zero or negative interval means the maximum, and
// a larger one is clamped rather than refused because heatzy announces 600
// (notes §6). Values from 1 s up are taken as given (tests use 1).
const (
	maxHeartbeatSeconds = 180
	// heartbeatGraceFactor: a client is declared dead after this many
	// intervals of silence, i.e. the interval plus one interval of grace
	// (notes §6: "a grace of about one interval is a reasonable reading").
	heartbeatGraceFactor = 2
)
