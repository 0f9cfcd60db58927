package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboard-iot/switchboard/adapter/admin"
	"github.com/switchboard-iot/switchboard/adapter/aqara"
	"github.com/switchboard-iot/switchboard/adapter/console"
	"github.com/switchboard-iot/switchboard/adapter/devhttp"
	"github.com/switchboard-iot/switchboard/adapter/gizapp"
	"github.com/switchboard-iot/switchboard/adapter/gizws"
	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/tlscert"
	"github.com/switchboard-iot/switchboard/metrics"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
)

// DatabaseFile is the name of the SQLite database in the data dir.
const DatabaseFile = "switchboard.db"

// ListenError is a listen failure that names the flag to change.
type ListenError struct {
	Flag string // e.g. "--http-addr"
	Addr string
	Err  error
}

func (e *ListenError) Error() string { return fmt.Sprintf("%s %s: %v", e.Flag, e.Addr, e.Err) }
func (e *ListenError) Unwrap() error { return e.Err }

// Server is one running node.
type Server struct {
	cfg      Config
	log      *slog.Logger
	metrics  *metrics.Metrics
	store    store.Store // the caller's (Config.Store) or the node's own (backends.go)
	bus      bus.Bus     // likewise
	owned    owned       // which of them this node opened, and so closes
	node     *core.Node
	gateway  *mqttgw.Gateway
	ws       *gizws.Server
	partners *partners.Domain
	pushes   *partners.Delivery
	nodeID   string // this node among those sharing the store (nodeid.go)
	http     *http.Server
	httpLn   net.Listener      // nil when off
	httpsLn  net.Listener      // nil when off
	mqttLn   net.Listener      // until the gateway owns it; nil when off
	mqttsLn  net.Listener      // likewise
	cert     *tlscert.Reloader // nil without TLS listeners (tls.go)
	lock     *os.File          // the data dir's lock (datadirlock.go), held until closeAll

	// AdminToken is the token /admin/v1 accepts; AdminTokenCreated is true
	// when this start generated it (the caller prints it once);
	// AdminTokenTaken when this start wrote the token another node sharing
	// the store generated into the data dir (the caller says where it is).
	AdminToken        string
	AdminTokenCreated bool
	AdminTokenTaken   bool
	// CertificateCreated is true when this start generated the self-signed
	// certificate (the caller says where it is).
	CertificateCreated bool

	ready atomic.Bool
	// liveGateway is gateway for the node's lease goroutine, which starts
	// before the gateway exists.
	liveGateway atomic.Pointer[mqttgw.Gateway]
	// interconnect is the watch/phone relay (interconnect.go).
	interconnect icParts
	// consoleDefaults prefill the web console's login form (console.go).
	consoleDefaults atomic.Pointer[console.Defaults]
}

// Start binds both listeners, opens the store and starts serving. On error
// everything opened so far is closed again.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: metrics.New()}
	defer func() {
		if err != nil {
			s.closeAll(context.Background())
		}
	}()

	// The data dir's lock comes first: a second node on the same dir is told
	// so, even when it would also collide on the ports.
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", cfg.DataDir, unwrapPath(err))
	}
	if s.lock, err = lockDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	if isOff(cfg.HTTPAddr) && isOff(cfg.HTTPSAddr) {
		return nil, errors.New("--http-addr and --https-addr are both off: the APIs need one of them")
	}
	if isOff(cfg.MQTTAddr) && isOff(cfg.MQTTSAddr) {
		return nil, errors.New("--mqtt-addr and --mqtts-addr are both off: devices need one of them")
	}
	if !isOff(cfg.HTTPSAddr) || !isOff(cfg.MQTTSAddr) {
		if err := s.loadCertificate(); err != nil {
			return nil, err
		}
	}
	if !isOff(cfg.HTTPAddr) {
		if s.httpLn, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, &ListenError{Flag: "--http-addr", Addr: cfg.HTTPAddr, Err: unwrapSyscall(err)}
		}
	}
	if !isOff(cfg.MQTTAddr) {
		if s.mqttLn, err = net.Listen("tcp", cfg.MQTTAddr); err != nil {
			return nil, &ListenError{Flag: "--mqtt-addr", Addr: cfg.MQTTAddr, Err: unwrapSyscall(err)}
		}
	}
	if err := s.listenTLS(); err != nil {
		return nil, err
	}
	if cfg.NodeID, err = loadNodeID(cfg.DataDir, cfg.NodeID); err != nil {
		return nil, fmt.Errorf("node id: %w", err)
	}
	s.nodeID = cfg.NodeID
	if err := s.openBackends(ctx); err != nil {
		return nil, err
	}
	// After the store: a generated token is the one every node sharing it
	// uses (admintoken.go).
	var claims interface {
		ClaimValue(ctx context.Context, name, value string) (string, bool, error)
	}
	if !s.owned.store {
		claims = s.store
	}
	if s.AdminToken, s.AdminTokenCreated, s.AdminTokenTaken, err = settleAdminToken(ctx, cfg.DataDir, cfg.AdminToken, claims); err != nil {
		return nil, fmt.Errorf("admin token: %w", err)
	}
	s.metrics.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Namespace: "switchboard", Name: "bus_dropped_total",
		Help: "Bus messages dropped because a subscriber's queue was full.",
	}, func() float64 { return float64(s.bus.Dropped()) }))

	// The partner domain follows the node's changes (its outbox writes
	// pushes in the node's transactions), so it exists first and loads
	// before the node starts ending its previous life's sessions.
	ps, ok := s.store.(partners.Store)
	if !ok {
		return nil, errors.New("the store does not keep the partner domain's state (partners.Store)")
	}
	s.partners = partners.New(partners.Options{Store: ps, Bus: s.bus, Logger: s.log, PushPolicy: cfg.PushPolicy})
	if s.node, err = core.New(core.Options{Store: s.store, Bus: s.bus, Logger: s.log, TokenTTL: cfg.TokenTTL, NodeID: cfg.NodeID,
		NodeLease: cfg.NodeLease, LeaseLost: s.leaseLost, Follower: s.partners.Follower(),
		// A store the node did not open may be shared with other nodes:
		// they must count each other's app sessions.
		SharedPresence: !s.owned.store}); err != nil {
		return nil, err
	}
	s.partners.Bind(s.node)
	if err = s.partners.Start(ctx); err != nil {
		s.node = nil
		return nil, err
	}
	if err = s.node.Start(ctx); err != nil {
		s.node = nil // not started: nothing to close
		return nil, err
	}

	gwOpts := mqttgw.Options{Node: s.node, Logger: s.log, Metrics: s.metrics, Limits: cfg.MQTTLimits}
	if s.mqttsLn != nil {
		gwOpts.TLSListener, gwOpts.TLSConfig = s.mqttsLn, s.cert.ServerConfig()
	}
	if s.gateway, err = mqttgw.New(s.mqttLn, gwOpts); err != nil {
		return nil, err
	}
	s.mqttLn, s.mqttsLn = nil, nil // the gateway closes them now
	s.liveGateway.Store(s.gateway)
	if err := s.gateway.Start(); err != nil {
		return nil, fmt.Errorf("start MQTT gateway: %w", err)
	}

	mux, err := s.routes()
	if err != nil {
		return nil, err
	}
	s.http = s.newHTTPServer(cfg.TrustedProxies.Middleware(mux))
	// One server, so one mux and one Shutdown, for both ports.
	if s.httpLn != nil {
		s.serveHTTP(s.limitHTTP(s.httpLn, "http", writeBusy))
	}
	if s.httpsLn != nil {
		s.serveHTTP(tls.NewListener(s.limitHTTP(s.httpsLn, "https", nil), s.httpsConfig()))
	}
	s.ready.Store(true)
	attrs := []any{"http", addrString(s.HTTPAddr()), "mqtt", addrString(s.MQTTAddr()),
		"https", addrString(s.HTTPSAddr()), "mqtts", addrString(s.MQTTSAddr()), "data_dir", cfg.DataDir}
	if s.cert != nil {
		certPath, _ := s.cert.Paths()
		attrs = append(attrs, "tls_cert", certPath, "tls_sha256", s.cert.Fingerprint())
	}
	s.log.Info("switchboard started", attrs...)
	return s, nil
}

func (s *Server) serveHTTP(ln net.Listener) {
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("HTTP server stopped", "err", err, "addr", ln.Addr().String())
		}
	}()
}

func (s *Server) routes() (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready")
			return
		}
		// A node whose lease ran out has not reached its store for a
		// lease: it can take no login, binding or device connect.
		if !s.node.LeaseCurrent() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: store unreachable")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{Registry: s.metrics.Registry}))

	if err := s.startInterconnect(mux); err != nil {
		return nil, err
	}
	api, err := admin.New(admin.Options{Node: s.node, Store: s.store, Partners: s.partners, Token: s.AdminToken, Logger: s.log, Metrics: s.metrics, Interconnect: s.interconnect.relay})
	if err != nil {
		return nil, err
	}
	api.Register(mux)

	// Each announced port is the bound one of its kind, or, when that
	// listener is off, the other kind's, so no reply names a closed port.
	mqttPort, mqttsPort := portOf(s.MQTTAddr()), portOf(s.MQTTSAddr())
	port, tlsPort := orDefault(mqttPort, mqttsPort), orDefault(mqttsPort, mqttPort)
	devhttp.New(devhttp.Options{Node: s.node, Logger: s.log, Metrics: s.metrics, MQTTHost: s.cfg.PublicHost, MQTTPort: port}).Register(mux)

	httpPort, httpsPort := portOf(s.HTTPAddr()), portOf(s.HTTPSAddr())
	gizapp.New(gizapp.Options{
		Node: s.node, Logger: s.log, Metrics: s.metrics, PublicHost: s.cfg.PublicHost,
		MQTTPort: port, MQTTTLSPort: orDefault(s.cfg.PublicMQTTTLSPort, tlsPort),
		WSPort:         orDefault(s.cfg.PublicWSPort, orDefault(httpPort, httpsPort)),
		WSSPort:        orDefault(s.cfg.PublicWSSPort, orDefault(httpsPort, httpPort)),
		AllowedOrigins: s.cfg.AllowedOrigins,
		Limits:         s.sharedLimits(),
	}).Register(mux)
	if s.ws, err = gizws.New(gizws.Options{Node: s.node, Logger: s.log, Metrics: s.metrics, AllowedOrigins: s.cfg.AllowedOrigins}); err != nil {
		return nil, err
	}
	if err := s.ws.Start(); err != nil {
		return nil, err
	}
	s.ws.Register(mux)

	partnerAPI := aqara.New(aqara.Options{Node: s.node, Partners: s.partners, Logger: s.log, Metrics: s.metrics})
	partnerAPI.Register(mux)
	delivery := s.cfg.Push.Delivery()
	delivery.Attempts, delivery.Window, delivery.Logger = s.metrics.PushAttempts, s.metrics.PushWindow, s.log.With("adapter", "aqara")
	delivery.Claimant = s.nodeID
	if !s.owned.store && delivery.PendingRefresh == 0 { // may be shared: bound the backlog across nodes
		delivery.PendingRefresh = partners.DefaultPendingRefresh
	}
	s.pushes = s.partners.NewDelivery(aqara.NewSender(partnerAPI, s.cfg.Push), delivery)
	if err := s.pushes.Start(context.Background()); err != nil {
		return nil, err
	}
	if err := s.registerConsole(mux); err != nil {
		return nil, err
	}
	return mux, nil
}

// sharedLimits is where the app API keeps its login and sign-in budgets:
// in a store the caller gave (PostgreSQL, or one shared by nodes in a
// test), so every node on it spends one budget; nil, the node's memory,
// for the SQLite the node opened in its data dir, which no other node can
// open (the data dir's lock), so its own budget is already the only one
// and a take need not cost an fsync.
func (s *Server) sharedLimits() gizapp.Limits {
	if s.owned.store {
		return nil
	}
	return s.store
}

// HTTPAddr is the bound HTTP address (nil when off).
func (s *Server) HTTPAddr() net.Addr { return addrOf(s.httpLn) }

// MQTTAddr is the bound MQTT address (nil when off).
func (s *Server) MQTTAddr() net.Addr { return s.gateway.Addr() }

// Node is the core, for in-process callers (tests, the demo).
func (s *Server) Node() *core.Node { return s.node }

// Metrics exposes the collectors (tests read them).
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Shutdown drains: it stops taking requests, closes device sessions (each
// device goes offline), flushes device states, and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	err := s.closeAll(ctx)
	if err == nil {
		s.log.Info("switchboard stopped")
	}
	return err
}

func (s *Server) closeAll(ctx context.Context) error {
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
	} else {
		for _, ln := range []net.Listener{s.httpLn, s.httpsLn} {
			if ln != nil {
				errs = append(errs, ln.Close())
			}
		}
	}
	for _, ln := range []net.Listener{s.mqttLn, s.mqttsLn} { // not yet the gateway's
		if ln != nil {
			errs = append(errs, ln.Close())
		}
	}
	if s.ws != nil {
		errs = append(errs, s.ws.Close())
	}
	if s.pushes != nil {
		s.pushes.Close()
	}
	errs = append(errs, s.closeInterconnect(ctx))
	if s.gateway != nil {
		errs = append(errs, s.gateway.Close())
	}
	if s.node != nil {
		errs = append(errs, s.node.Close(ctx))
	}
	errs = append(errs, s.closeBackends())
	if s.lock != nil { // last: the store is closed before another node may open it
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// unwrapSyscall turns "listen tcp :8080: bind: address already in use" into
// "address already in use" so the flag-named message stays one short line.
func unwrapSyscall(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			return sys.Err
		}
		return op.Err
	}
	return err
}

// leaseLost closes every device session once another node has ended them
// in the store (core/leases.go): the devices reconnect and come online in
// this node's new life.
func (s *Server) leaseLost() {
	if g := s.liveGateway.Load(); g != nil {
		g.DisconnectAll("node lease lost")
	}
}

// Partners is the node's partner domain.
func (s *Server) Partners() *partners.Domain { return s.partners }
