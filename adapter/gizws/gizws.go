package gizws

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/waitfor"
	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/metrics"
)

// Path is where the API is served (document 约定 §2).
const Path = "/ws/app/v1"

// Options configure the WebSocket server.
type Options struct {
	Node    Core
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// AllowedOrigins is the Origin allow-list for upgrades from browser
	// pages; "*" admits any origin. Patterns follow
	// websocket.AcceptOptions.OriginPatterns: a host pattern ("*.example"),
	// or "scheme://host" to match the scheme too. Requests without an
	// Origin header (non-browser clients) and same-host pages are always
	// admitted.
	AllowedOrigins []string
	// Limits bound each connection; zero fields take defaults.
	Limits Limits
}

// Server serves /ws/app/v1.
type Server struct {
	node     Core
	log      *slog.Logger
	metrics  metrics.Adapter
	presence core.Presence
	limits   Limits
	accept   websocket.AcceptOptions
	ids      *clientIDs
	hub      *hub

	baseCtx   context.Context
	cancel    context.CancelFunc
	opTimeout time.Duration

	subsMu sync.Mutex
	subs   []bus.Subscription
	wg     sync.WaitGroup // one per running session

	// Scratch slices of the bus handlers, each used by one handler
	// goroutine only.
	dataScratch, statusScratch, bindScratch, accessScratch []*session

	// accessSeq counts access events handled (access.go).
	accessSeq atomic.Uint64
}

// New returns the server; Start subscribes it to the bus.
func New(o Options) (*Server, error) {
	if o.Node == nil {
		return nil, errors.New("gizws: Node is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	s := &Server{
		node:      o.Node,
		log:       o.Logger,
		metrics:   o.Metrics.Adapter("ws"),
		presence:  o.Node.Presence(),
		limits:    o.Limits.withDefaults(),
		ids:       newClientIDs(),
		hub:       newHub(),
		opTimeout: 10 * time.Second,
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	if slices.Contains(o.AllowedOrigins, "*") {
		s.accept.InsecureSkipVerify = true
	} else {
		s.accept.OriginPatterns = slices.Clone(o.AllowedOrigins)
	}
	return s, nil
}

// Start subscribes to the core's device, binding and access events: one
// subject set for the whole node, holding the subjects of the devices and
// users its sessions watch (hub.go), dispatched to sessions by the hub's
// indexes.
func (s *Server) Start() error {
	set, err := s.node.Bus().SubscribeSet(s.onSubject)
	if err != nil {
		return err
	}
	s.subsMu.Lock()
	s.subs = append(s.subs, set)
	s.subsMu.Unlock()
	s.hub.interest = set
	return nil
}

// onSubject routes one event by its kind, the subject's last token.
func (s *Server) onSubject(subject string, data []byte) {
	switch subject[strings.LastIndexByte(subject, '.')+1:] {
	case "data":
		s.onData(subject, data)
	case "status":
		s.onStatus(subject, data)
	case "binding":
		s.onBinding(subject, data)
	case "access":
		s.onAccess(subject, data)
	}
}

// Register adds the route to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET "+Path, s)
}

// ServeHTTP upgrades the request and starts the session. The handler
// returns at once: the session's reader runs on a goroutine of its own,
// whose stack holds only the read path, where net/http's handler goroutine
// would keep its frames (and the request) for the session's life.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := s.accept
	// A WebSocket ping frame counts as heartbeat (ha-bestway sends them);
	// coder/websocket answers it with a pong after this returns true. It
	// runs only inside reads, which start after sess is set.
	var sess *session
	opts.OnPingReceived = func(context.Context, []byte) bool {
		if sess != nil {
			sess.touch()
		}
		return true
	}
	bufs := &smallBuffers{ResponseWriter: w}
	conn, err := websocket.Accept(bufs, r, &opts)
	if err != nil {
		// Accept has answered (403 for a refused origin, 426 for a plain
		// GET).
		s.log.Info("ws upgrade refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	conn.SetReadLimit(s.limits.MaxMessageSize)
	sess = newSession(s, conn, r.RemoteAddr)
	sess.ws.SetCork(bufs.cork)
	if !s.hub.open(sess, &s.wg) {
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	go s.run(sess)
}

// run serves a session until it ends: the reader here, the writer on
// demand. Its frame is part of every idle session's stack (readLoop).
func (s *Server) run(sess *session) {
	s.opened(sess)
	sess.startWriter()
	sess.readLoop()
	<-sess.ws.Done()
	s.ended(sess)
}

func (s *Server) opened(sess *session) {
	s.metrics.Connections.Inc()
	s.log.Debug("ws session opened", "client", sess.id, "remote", sess.remote)
}

// ended tears the session down once its reader and writer have ended.
func (s *Server) ended(sess *session) {
	defer s.wg.Done()
	defer s.metrics.Connections.Dec()
	sess.teardown()
	why := sess.ws.Reason()
	level := slog.LevelInfo
	if why == wssession.QueueFull {
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "ws session closed", "client", sess.id, "remote", sess.remote,
		"uid", sess.uidForLog(), "reason", why.Why, "code", int(why.Code))
}

// Close ends every session with close code 1001 (going away) and leaves
// the bus. Sessions are hijacked connections that http.Server.Shutdown
// does not wait for; Close waits for them up to Limits.CloseTimeout.
func (s *Server) Close() error {
	s.unsubscribe()
	for _, sess := range s.hub.shut() {
		sess.close(wssession.Shutdown)
	}
	var err error
	if !waitfor.Group(&s.wg, s.limits.CloseTimeout) {
		err = errors.New("gizws: sessions still closing after timeout")
	}
	s.cancel()
	return err
}

func (s *Server) unsubscribe() {
	s.subsMu.Lock()
	subs := s.subs
	s.subs = nil
	s.subsMu.Unlock()
	for _, sub := range subs {
		sub.Unsubscribe()
	}
}

func (s *session) uidForLog() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uid
}
