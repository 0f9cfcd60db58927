package interconnect

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/waitfor"
	"github.com/switchboard-iot/switchboard/internal/wssession"
	"github.com/switchboard-iot/switchboard/metrics"
	"github.com/switchboard-iot/switchboard/relay"
)

// Limits bound what one connection may cost; zero fields take defaults.
type Limits struct {
	// MaxFrameSize is the largest frame a client may send (default 128
	// KiB): a maximum message (relay.MaxMessage, 16 KiB) escaped as JSON
	// at its worst (\u00XX, six bytes per byte) plus the envelope. A
	// larger frame ends the connection with close code 1009; a message
	// that fits a frame but exceeds relay.MaxMessage gets error 1009 / -9
	// and the connection stays.
	MaxFrameSize int64
	// ControlQueueLen bounds results and events waiting for a client
	// (default 256); a client that lets it fill is closed with 1008.
	ControlQueueLen int
	// PairQueueLen bounds relayed messages waiting per pair (default 64);
	// a sender to a full pair waits, then fails with 204 / -2.
	PairQueueLen int
	// MaxDiagnoses bounds concurrent diagnosis calls per watch (default 4;
	// more get 205).
	MaxDiagnoses int
	// HelloTimeout is how long a connection may stay without a hello
	// (default 10 s).
	HelloTimeout time.Duration
	// PingInterval and PingTimeout detect vanished clients (default 20 s
	// and 10 s).
	PingInterval, PingTimeout time.Duration
	// WriteTimeout bounds one frame write (default 10 s).
	WriteTimeout time.Duration
	// CloseTimeout bounds how long Close waits for sessions (default 10 s).
	CloseTimeout time.Duration
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxFrameSize <= 0 {
		l.MaxFrameSize = 6*relay.MaxMessage + 32<<10
	}
	def(&l.ControlQueueLen, 256)
	def(&l.PairQueueLen, 64)
	def(&l.MaxDiagnoses, 4)
	defD(&l.HelloTimeout, 10*time.Second)
	defD(&l.PingInterval, 20*time.Second)
	defD(&l.PingTimeout, 10*time.Second)
	defD(&l.WriteTimeout, 10*time.Second)
	defD(&l.CloseTimeout, 10*time.Second)
	return l
}

// Relay is what the adapter asks of the relay (*relay.Relay is one): it
// speaks the wire format, the relay decides.
type Relay interface {
	AuthenticateWatch(ctx context.Context, did, passcode, uid string) (string, error)
	AuthenticatePhone(ctx context.Context, appID, token string) (string, core.TokenGrant, error)
	RegisterWatch(ctx context.Context, uid, did, pkg string, cert relay.Cert, ep relay.Endpoint, welcome func()) (*relay.Handle, error)
	RegisterPhone(ctx context.Context, uid, pkg string, cert relay.Cert, grant core.TokenGrant, ep relay.Endpoint, welcome func()) (*relay.Handle, error)
	Unregister(h *relay.Handle, code int, reason string)

	// Watch requests.
	SendFromWatch(ctx context.Context, h *relay.Handle, data string) error
	Paired(h *relay.Handle) bool
	Diagnose(ctx context.Context, h *relay.Handle, timeout time.Duration) (int, string, error)

	// Phone requests.
	SendFromPhone(ctx context.Context, h *relay.Handle, did, data string) error
	Nodes(ctx context.Context, h *relay.Handle) ([]relay.NodeInfo, error)
	Installed(ctx context.Context, h *relay.Handle, did string) (bool, error)
	CheckPermissions(ctx context.Context, h *relay.Handle, did string, perms []string) ([]bool, error)
	RequestPermissions(ctx context.Context, h *relay.Handle, did string, perms []string) ([]string, error)
	Listen(ctx context.Context, h *relay.Handle, did string) error
	Unlisten(h *relay.Handle, did string)
}

// Options configure the relay adapter.
type Options struct {
	Relay   Relay
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// AllowedOrigins: as gizws.Options.AllowedOrigins (browser pages).
	AllowedOrigins []string
	// RequireProof refuses hellos without a valid proof of possession of
	// the certificate's key. Off by default: the declared certificate is
	// trusted, as the watch and phone OS trust the installed package.
	RequireProof bool
	Limits       Limits
}

// Server serves Path.
type Server struct {
	ic      Relay
	log     *slog.Logger
	metrics metrics.Adapter
	limits  Limits
	accept  websocket.AcceptOptions
	proof   bool

	baseCtx context.Context
	cancel  context.CancelFunc

	mu       sync.Mutex
	shut     bool
	sessions map[*session]struct{}
	wg       sync.WaitGroup
}

// New returns the adapter.
func New(o Options) (*Server, error) {
	if o.Relay == nil {
		return nil, errors.New("interconnect: Relay is required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = metrics.New()
	}
	s := &Server{
		ic: o.Relay, log: o.Logger.With("adapter", "interconnect"),
		metrics: o.Metrics.Adapter("interconnect"), limits: o.Limits.withDefaults(), proof: o.RequireProof,
		sessions: make(map[*session]struct{}),
	}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	if slices.Contains(o.AllowedOrigins, "*") {
		s.accept.InsecureSkipVerify = true
	} else {
		s.accept.OriginPatterns = slices.Clone(o.AllowedOrigins)
	}
	return s, nil
}

// Register adds the route to mux.
func (s *Server) Register(mux *http.ServeMux) { mux.Handle("GET "+Path, s) }

// ServeHTTP upgrades the request and runs the session until it ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &s.accept)
	if err != nil {
		s.log.Info("upgrade refused", "remote", r.RemoteAddr, "origin", r.Header.Get("Origin"), "err", err)
		return
	}
	conn.SetReadLimit(s.limits.MaxFrameSize)
	nonce := make([]byte, 32)
	_, _ = rand.Read(nonce) // crypto/rand never fails (Go 1.24+)
	sess := newSession(s, conn, r.RemoteAddr, nonce)
	if !s.open(sess) {
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.forget(sess)
	s.metrics.Connections.Inc()
	defer s.metrics.Connections.Dec()

	sess.send(render(challengeFrame{Type: "challenge", Version: ProtocolVersion, Nonce: nonce,
		MaxMessageBytes: relay.MaxMessage, ProofRequired: s.proof}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		sess.writeLoop()
	}()
	go sess.pingLoop()
	sess.readLoop()
	<-done
	sess.teardown()
	s.log.Info("session closed", "remote", sess.remote, "role", sess.role, "reason", sess.ws.Reason().Why, "code", int(sess.ws.Reason().Code))
}

func (s *Server) open(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shut {
		return false
	}
	s.wg.Add(1)
	s.sessions[sess] = struct{}{}
	return true
}

func (s *Server) forget(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
	s.wg.Done()
}

// Close ends every session with 1001 (going away), so the paired side of
// each sees onclose 1001, and waits up to Limits.CloseTimeout.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shut = true
	open := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		open = append(open, sess)
	}
	s.mu.Unlock()
	for _, sess := range open {
		sess.close(wssession.Shutdown)
	}
	var err error
	if !waitfor.Group(&s.wg, s.limits.CloseTimeout) {
		err = errors.New("interconnect: sessions still closing after timeout")
	}
	s.cancel()
	return err
}
