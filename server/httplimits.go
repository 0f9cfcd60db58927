package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizerr"
	"github.com/switchboard-iot/switchboard/internal/netlimit"
)

// HTTPLimits bound what one HTTP connection may cost. Zero values take the
// defaults documented in docs/operations.md; for the caps, less than 0
// means no cap.
type HTTPLimits struct {
	// ReadHeaderTimeout is how long a request's headers may take (default
	// 10 s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long a whole request, headers and body, may take
	// (default 30 s). It does not limit WebSocket sessions: net/http clears
	// the connection's deadlines when the upgrade hijacks it.
	ReadTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request (default 120 s).
	IdleTimeout time.Duration
	// MaxConns caps the HTTP connections open at once, WebSocket sessions
	// included (default 20000); beyond it a connection is closed at accept.
	MaxConns int
	// MaxConnsPerAddr caps them per client IP address (default 500); beyond
	// it a connection is answered 503 and closed. Behind a reverse proxy
	// every client has the proxy's address: raise it or set it below 0.
	MaxConnsPerAddr int
}

func (l HTTPLimits) withDefaults() HTTPLimits {
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = 10 * time.Second
	}
	if l.ReadTimeout <= 0 {
		l.ReadTimeout = 30 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 120 * time.Second
	}
	if l.MaxConns == 0 {
		l.MaxConns = 20_000
	}
	if l.MaxConnsPerAddr == 0 {
		l.MaxConnsPerAddr = 500
	}
	return l
}

// limitHTTP wraps the HTTP socket: Accept errors are retried and counted
// (net/http retries too, but neither counts nor rate-limits its log line),
// and the connection caps apply. name labels the metrics ("http",
// "https"); reject answers a refused connection (nil: just close it, as on
// the TLS port, where a plain-text 503 would be noise to the client).
func (s *Server) limitHTTP(ln net.Listener, name string, reject func(net.Conn)) *netlimit.Listener {
	lim := s.cfg.HTTPLimits
	acceptError, refused := s.metrics.Listener(name)
	return netlimit.New(ln, netlimit.Options{
		Name: name, MaxConns: lim.MaxConns, MaxConnsPerAddr: lim.MaxConnsPerAddr,
		Logger: s.log, AcceptError: acceptError, Refused: refused, Reject: reject,
	})
}

// busyResponse answers a connection over the per-address cap, before any
// request is read: 503 with the Gizwits error body (9041, throttled) and
// Connection: close.
var busyResponse = func() []byte {
	body, _ := json.Marshal(gizerr.Body{
		ErrorCode: gizerr.Throttled, ErrorMessage: gizerr.Throttled.Message(),
		DetailMessage: "too many connections from your address",
	})
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s", len(body), body)
}()

func writeBusy(c net.Conn) { _, _ = c.Write(busyResponse) }

// newHTTPServer applies the timeouts to the node's HTTP server.
func (s *Server) newHTTPServer(h http.Handler) *http.Server {
	lim := s.cfg.HTTPLimits
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}
