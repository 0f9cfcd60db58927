package interconnect

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
)

// Config says who the client is.
type Config struct {
	URL         string // ws://host:port/ws/interconnect/v1
	Package     string
	Certificate []byte // PEM text or DER bytes
	// Signer, when set, proves possession of the certificate's key by
	// signing the relay's nonce (RSA: PKCS#1 v1.5 SHA-256; ECDSA: SHA-256;
	// Ed25519).
	Signer crypto.Signer

	DID, Passcode, UserID string // watch; UserID only if the watch has several users
	AppID, Token          string // phone: a Switchboard app user's token

	// EventBuffer is the capacity of Events() (default 256).
	EventBuffer int
}

// Event is something the relay told the client.
type Event struct {
	// Type is "open", "close", "error", "message" (watch); "node",
	// "message" (phone); and "closed" for both when the connection to the
	// relay itself ended (Code is then its WebSocket close code, Data the
	// relay's reason; the connection's Err() says the same as an error, and
	// Final(Err()) whether the relay ended the session for good, e.g. 4409
	// replaced).
	Type          string
	Code          int
	Data          string // message payload, close reason or error text
	Node          string // phone: the watch did
	Connected     bool   // node
	IsReconnected bool   // open: not the first open of this client
}

// Welcome is what the relay said after the hello.
type Welcome struct {
	UserID            string `json:"user_id"`
	Fingerprint       string `json:"fingerprint"`
	FingerprintSHA256 string `json:"fingerprint_sha256"`
	Proven            bool   `json:"proven"`
	MaxMessageBytes   int    `json:"-"`
}

// Error is a request the relay answered with a non-zero code.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("interconnect: code %d: %s", e.Code, e.Message) }

// HelloError is a refused hello: the relay closed with Code (4400 bad
// hello, 4401 bad credentials, 4403 forbidden, 4408 no hello in time).
type HelloError struct {
	Code    int
	Message string
}

func (e *HelloError) Error() string {
	return fmt.Sprintf("interconnect: hello refused (%d): %s", e.Code, e.Message)
}

// ErrClosed: the connection ended before the relay answered (Close was
// called; a *ClosedError when the relay ended it).
var ErrClosed = errors.New("interconnect: connection closed")

// frame is every server frame's union.
type frame struct {
	Type            string          `json:"type"`
	ID              int64           `json:"id"`
	Code            int             `json:"code"`
	Message         string          `json:"message"`
	Reason          string          `json:"reason"`
	Nonce           []byte          `json:"nonce"`
	MaxMessageBytes int             `json:"max_message_bytes"`
	Status          *int            `json:"status"`
	Nodes           []Node          `json:"nodes"`
	Installed       *bool           `json:"installed"`
	Granted         []bool          `json:"granted"`
	Permissions     []string        `json:"permissions"`
	Node            string          `json:"node"`
	Connected       *bool           `json:"connected"`
	Data            string          `json:"data"`
	Raw             json.RawMessage `json:"-"`
}

// Node is a connected watch as the phone sees it.
type Node struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// conn is the part Watch and Phone share.
type conn struct {
	ws      *websocket.Conn
	welcome Welcome
	events  chan Event
	nextID  atomic.Int64
	opened  bool // reader only: an open was seen

	localClose atomic.Int32 // the close code this side sent, 0 if none

	mu      sync.Mutex
	pending map[int64]chan frame
	done    chan struct{}
	endErr  error // why the connection ended; set before done is closed
}

func dial(ctx context.Context, role string, cfg Config) (*conn, error) {
	ws, _, err := websocket.Dial(ctx, cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &conn{ws: ws, pending: make(map[int64]chan frame), done: make(chan struct{})}
	buf := cfg.EventBuffer
	if buf <= 0 {
		buf = 256
	}
	c.events = make(chan Event, buf)
	if err := c.hello(ctx, role, cfg); err != nil {
		ws.CloseNow()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

// hello reads the challenge, sends the hello and waits for the welcome.
func (c *conn) hello(ctx context.Context, role string, cfg Config) error {
	ch, err := c.readFrame(ctx)
	if err != nil {
		return err
	}
	if ch.Type != "challenge" {
		return fmt.Errorf("interconnect: expected a challenge, got %q", ch.Type)
	}
	cert := string(cfg.Certificate)
	if len(cfg.Certificate) > 0 && cfg.Certificate[0] != '-' {
		cert = base64.StdEncoding.EncodeToString(cfg.Certificate)
	}
	h := map[string]any{"type": "hello", "role": role, "package": cfg.Package, "certificate": cert}
	if role == "watch" {
		h["did"], h["passcode"] = cfg.DID, cfg.Passcode
		if cfg.UserID != "" {
			h["user_id"] = cfg.UserID
		}
	} else {
		h["appid"], h["token"] = cfg.AppID, cfg.Token
	}
	if cfg.Signer != nil {
		sig, err := Sign(cfg.Signer, ch.Nonce)
		if err != nil {
			return err
		}
		h["proof"] = sig
	}
	if err := c.write(ctx, h); err != nil {
		return err
	}
	w, err := c.readFrame(ctx)
	if err != nil {
		return err
	}
	if w.Type == "fatal" {
		return &HelloError{Code: w.Code, Message: w.Message}
	}
	if w.Type != "welcome" {
		return fmt.Errorf("interconnect: expected welcome, got %q", w.Type)
	}
	if err := json.Unmarshal(w.Raw, &c.welcome); err != nil {
		return err
	}
	c.welcome.MaxMessageBytes = ch.MaxMessageBytes
	return nil
}

// readFrame reads one frame; a close becomes a HelloError when the relay
// explained it.
func (c *conn) readFrame(ctx context.Context) (frame, error) {
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		if code := websocket.CloseStatus(err); code != -1 {
			var ce websocket.CloseError
			errors.As(err, &ce)
			return frame{}, &HelloError{Code: int(code), Message: ce.Reason}
		}
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		return frame{}, fmt.Errorf("interconnect: bad frame from relay: %w", err)
	}
	f.Raw = b
	return f, nil
}

func (c *conn) write(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// readLoop routes results to callers and everything else to Events.
func (c *conn) readLoop() {
	defer close(c.events)
	for {
		f, err := c.readFrame(context.Background())
		if err != nil {
			end := c.ended(err)
			c.mu.Lock()
			c.endErr = end
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			close(c.done)
			c.mu.Unlock()
			ev := Event{Type: "closed", Code: int(c.localClose.Load()), Data: "closed by this client"}
			var ce *ClosedError
			if errors.As(end, &ce) {
				ev.Code, ev.Data = ce.Code, ce.Reason
			}
			c.events <- ev
			return
		}
		switch f.Type {
		case "result":
			c.mu.Lock()
			ch := c.pending[f.ID]
			delete(c.pending, f.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- f
			}
		case "open":
			c.events <- Event{Type: "open", IsReconnected: c.opened}
			c.opened = true
		case "close":
			c.events <- Event{Type: "close", Code: f.Code, Data: f.Reason}
		case "error", "fatal":
			c.events <- Event{Type: f.Type, Code: f.Code, Data: f.Message}
		case "message":
			c.events <- Event{Type: "message", Node: f.Node, Data: f.Data}
		case "node":
			c.events <- Event{Type: "node", Node: f.Node, Connected: f.Connected != nil && *f.Connected}
		}
	}
}

// ended turns the error that ended the read loop into what calls and Err
// return: ErrClosed when this side closed (whatever the read saw), a
// *ClosedError with the relay's close code and reason, or one with 1006
// when the link broke without a close frame.
func (c *conn) ended(err error) error {
	if c.localClose.Load() != 0 {
		return ErrClosed
	}
	var he *HelloError
	if errors.As(err, &he) { // readFrame's form of any close frame
		return &ClosedError{Code: he.Code, Reason: he.Message}
	}
	return &ClosedError{Code: int(websocket.StatusAbnormalClosure), Reason: "the link to the relay was lost: " + err.Error()}
}

// Err is nil while the connection is up, then why it ended: ErrClosed
// after Close or CloseNow, else a *ClosedError (errors.Is(err, ErrReplaced)
// when a newer session of the same app replaced this one).
func (c *conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.endErr
}

// call sends a request and waits for its result; a non-zero code is an
// *Error, a connection that ended is Err().
func (c *conn) call(ctx context.Context, req map[string]any) (frame, error) {
	id := c.nextID.Add(1)
	req["id"] = id
	ch := make(chan frame, 1)
	c.mu.Lock()
	select {
	case <-c.done:
		c.mu.Unlock()
		return frame{}, c.endErr
	default:
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.write(ctx, req); err != nil {
		c.forget(id)
		return frame{}, err
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return frame{}, c.Err()
		}
		if f.Code != 0 {
			return f, &Error{Code: f.Code, Message: f.Message}
		}
		return f, nil
	case <-ctx.Done():
		c.forget(id)
		return frame{}, ctx.Err()
	}
}

func (c *conn) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// Events delivers what the relay says; it is closed after the "closed"
// event.
func (c *conn) Events() <-chan Event { return c.events }

// Welcome is what the relay said about this client.
func (c *conn) Welcome() Welcome { return c.welcome }

// Ping round-trips a request.
func (c *conn) Ping(ctx context.Context) error {
	_, err := c.call(ctx, map[string]any{"type": "ping"})
	return err
}

// Close ends the connection normally (the peer sees close code 1000).
func (c *conn) Close() error {
	c.localClose.CompareAndSwap(0, int32(websocket.StatusNormalClosure))
	return c.ws.Close(websocket.StatusNormalClosure, "bye")
}

// CloseNow drops the connection without a close handshake, as a crashed
// app or a lost network would (the peer sees 1006).
func (c *conn) CloseNow() error {
	c.localClose.CompareAndSwap(0, int32(websocket.StatusAbnormalClosure))
	return c.ws.CloseNow()
}
