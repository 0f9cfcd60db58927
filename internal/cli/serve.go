package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard-iot/switchboard/bus/busopen"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/clientaddr"
	"github.com/switchboard-iot/switchboard/internal/demo"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/storeopen"
)

func serve(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", stderr)
	var cfg server.Config
	fs.StringVar(&cfg.DataDir, "data-dir", "./data", "directory for the database and the generated admin token")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", ":8080", "HTTP listen address (APIs, /metrics, /healthz)")
	fs.StringVar(&cfg.MQTTAddr, "mqtt-addr", ":1883", "MQTT listen address for devices")
	tlsFlags(fs, &cfg)
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "bearer token for /admin/v1 (default: generated once, kept in the data dir)")
	fs.StringVar(&cfg.PublicHost, "public-host", "", "host name devices and apps are told to connect to (default: the host they reached)")
	fs.IntVar(&cfg.PublicWSPort, "public-ws-port", 0, "ws_port announced to apps (default: the HTTP port)")
	fs.IntVar(&cfg.PublicWSSPort, "public-wss-port", 0, "wss_port announced to apps (default: the HTTPS port; the HTTP port when --https-addr is off)")
	fs.IntVar(&cfg.PublicMQTTTLSPort, "public-mqtts-port", 0, "port_s announced to apps (default: the MQTTS port; the MQTT port when --mqtts-addr is off)")
	trusted := fs.String("trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For/Forwarded/X-Forwarded-Host are believed (default: none)")
	origins := fs.String("allowed-origins", "*", "comma-separated browser origins admitted by CORS and WebSocket upgrades; * admits any")
	demoMode := fs.Bool("demo", false, "create (or reuse) a demo product, app, user and simulated devices, and print how to use them")
	fs.StringVar(&cfg.ConsoleAppID, "console-appid", "", "application id the web console's login form starts with (--demo sets its own)")
	fs.DurationVar(&cfg.NodeLease, "node-lease", core.DefaultNodeLease, "how long a dead node's devices stay online before another node sharing the store ends their sessions")
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", 7*24*time.Hour, "lifetime of app user tokens")
	fs.DurationVar(&cfg.Push.Timeout, "push-timeout", 5*time.Second, "how long one partner push attempt may take")
	fs.DurationVar(&cfg.Push.RetryMin, "push-retry-min", time.Second, "back-off after a partner push's first failure; it doubles per failure")
	fs.DurationVar(&cfg.Push.RetryMax, "push-retry-max", 10*time.Minute, "longest back-off between attempts of a partner push")
	pushCA := fs.String("push-ca-file", "", "PEM file of CA certificates trusted for partners' https:// push URLs, besides the system's")
	fs.IntVar(&cfg.Push.MaxInFlight, "push-max-in-flight", partners.DefaultMaxInFlight, "most push attempts in flight to one partner (the window adapts between 1 and this)")
	fs.DurationVar(&cfg.Push.GiveUp, "push-give-up", 48*time.Hour, "how long a partner push is retried before it is given up")
	fs.DurationVar(&cfg.PushPolicy.Grace, "push-suspend-grace", 30*time.Minute, "how long a partner's pushes may fail over 5% before they are suspended")
	maxPacket := fs.Uint("mqtt-max-packet-size", 64<<10, "largest MQTT packet a device may send, in bytes")
	pending := fs.Int("mqtt-writes-pending", 64, "outbound MQTT packets queued per device before dropping")
	keepalive := fs.Uint("mqtt-max-keepalive", 600, "longest MQTT keepalive in seconds; 0 or larger requests get this")
	fs.DurationVar(&cfg.MQTTLimits.ConnectTimeout, "mqtt-connect-timeout", 10*time.Second, "how long a new MQTT connection may take to send CONNECT")
	capVar(fs, &cfg.MQTTLimits.MaxConns, "mqtt-max-conns", 100_000, "MQTT connections open at once")
	capVar(fs, &cfg.MQTTLimits.MaxConnsPerAddr, "mqtt-max-conns-per-addr", 1000, "MQTT connections open at once from one IP address")
	fs.DurationVar(&cfg.HTTPLimits.ReadHeaderTimeout, "http-read-header-timeout", 10*time.Second, "how long an HTTP request's headers may take")
	fs.DurationVar(&cfg.HTTPLimits.ReadTimeout, "http-read-timeout", 30*time.Second, "how long a whole HTTP request, headers and body, may take (WebSocket sessions are not limited)")
	fs.DurationVar(&cfg.HTTPLimits.IdleTimeout, "http-idle-timeout", 120*time.Second, "how long an idle keep-alive HTTP connection is kept")
	capVar(fs, &cfg.HTTPLimits.MaxConns, "http-max-conns", 20_000, "HTTP connections open at once, WebSocket sessions included")
	capVar(fs, &cfg.HTTPLimits.MaxConnsPerAddr, "http-max-conns-per-addr", 500, "HTTP connections open at once from one IP address (behind a proxy: raise it)")
	busURL := fs.String("bus", "memory", "how this node reaches the others: memory (a single node) or nats://host:4222 (several, comma-separated, for a NATS cluster)")
	storeURL := fs.String("store", "", "where data is kept: empty for SQLite in --data-dir (a single node), or postgres://user:password@host:5432/db (several nodes)")
	debugAddr := fs.String("debug-addr", "off", "listen address of Go's profiler (/debug/pprof/), e.g. 127.0.0.1:6060; unauthenticated, so keep it private")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "text or json")
	drain := fs.Duration("shutdown-timeout", 15*time.Second, "how long to drain on SIGINT/SIGTERM (SIGHUP rereads the TLS certificate)")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 2
	}
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard serve:", err)
		return 2
	}
	if *keepalive > 65535 || *pending < 1 || *maxPacket < 1024 {
		fmt.Fprintln(stderr, "switchboard serve: --mqtt-max-keepalive must be at most 65535, --mqtt-writes-pending at least 1, --mqtt-max-packet-size at least 1024")
		return 2
	}
	if cfg.Push.MaxInFlight < 1 {
		fmt.Fprintln(stderr, "switchboard serve: --push-max-in-flight must be at least 1")
		return 2
	}
	if *pushCA != "" {
		if cfg.Push.RootCAs, err = loadCAFile(*pushCA); err != nil {
			fmt.Fprintln(stderr, "switchboard serve: --push-ca-file:", err)
			return 2
		}
	}
	if cfg.TrustedProxies, err = clientaddr.ParseTrusted(*trusted); err != nil {
		fmt.Fprintln(stderr, "switchboard serve: --trusted-proxies:", err)
		return 2
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	if err := busopen.Check(*busURL); err != nil {
		fmt.Fprintln(stderr, "switchboard serve: --bus:", err)
		return 2
	}
	if err := storeopen.Check(*storeURL); err != nil {
		fmt.Fprintln(stderr, "switchboard serve: --store:", err)
		return 2
	}
	listenersOff(&cfg)
	if *demoMode && (cfg.HTTPAddr == server.Off || cfg.MQTTAddr == server.Off) {
		fmt.Fprintln(stderr, "switchboard serve: --demo needs the plain --http-addr and --mqtt-addr")
		return 2
	}
	cfg.MQTTLimits.MaxPacketSize = uint32(*maxPacket)
	cfg.MQTTLimits.WritesPending = int32(*pending)
	cfg.MQTTLimits.MaxKeepalive = uint16(*keepalive)
	cfg.Logger = log

	if cfg.Bus, err = busopen.Open(*busURL, log); err != nil {
		fmt.Fprintln(stderr, "switchboard: --bus:", err)
		return 1
	}
	defer cfg.Bus.Close() // ours: the server closes only what it opened
	if *storeURL != "" {  // "" leaves the SQLite store to the server, as before
		if cfg.Store, err = storeopen.Open(serveBase(), *storeURL, cfg.DataDir, log); err != nil {
			fmt.Fprintln(stderr, "switchboard: --store:", err)
			return 1
		}
		defer cfg.Store.Close() // after the server's shutdown: the server does not close it
	}

	ctx, stop := signal.NotifyContext(serveBase(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
	defer reloadOnHangup(srv, log)()
	if *debugAddr != server.Off {
		stopDebug, err := startDebug(*debugAddr, log)
		if err != nil {
			fmt.Fprintln(stderr, "switchboard:", err)
			_ = srv.Shutdown(context.Background())
			return 1
		}
		defer stopDebug()
	}
	printCertificate(stdout, srv)
	var demoRun *demo.Demo
	if *demoMode {
		if demoRun, err = startDemo(ctx, srv, cfg, stdout, log); err != nil {
			fmt.Fprintln(stderr, "switchboard: --demo:", err)
			_ = srv.Shutdown(context.Background())
			return 1
		}
	} else if srv.AdminTokenTaken {
		fmt.Fprintf(stdout, "Took the admin token of the nodes sharing the store into %s/%s. The console is at %s/app\n\n",
			cfg.DataDir, server.AdminTokenFile, consoleBase(srv, cfg.PublicHost))
	} else if srv.AdminTokenCreated {
		fmt.Fprintf(stdout, "Generated an admin token (kept in %s/%s; shown only now):\n\n    %s\n\n",
			cfg.DataDir, server.AdminTokenFile, srv.AdminToken)
		fmt.Fprintf(stdout, "Next: create a product, an app and a device, for example\n"+
			"    switchboard admin products create examples/products/demo-lamp.json\n"+
			"    switchboard admin apps create \"My app\"\n"+
			"    switchboard devsim --product-key <product_key>\n"+
			"or start with --demo for all of that ready-made. The console is at %s/app\n\n",
			consoleBase(srv, cfg.PublicHost))
	}
	<-ctx.Done()
	if demoRun != nil {
		demoRun.Stop() // the devices disconnect before the server drains
	}
	log.Info("shutting down", "timeout", drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), *drain)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintln(stderr, "switchboard: shutdown:", err)
		return 1
	}
	return 0
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
