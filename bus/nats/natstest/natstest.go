// Package natstest runs a real NATS server inside the test process, on a
// random port, for tests of anything that uses the NATS bus.
package natstest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// readyTimeout is how long a server may take to accept connections; it is
// generous for a loaded CI machine and a passing run never waits for it.
const readyTimeout = 15 * time.Second

// Server is an in-process NATS server that can be stopped and started again
// on the same port, to test reconnects.
type Server struct {
	tb   testing.TB
	port int
	srv  *server.Server
}

// Start runs a server on a free port and shuts it down when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{tb: tb, port: -1}
	s.Restart()
	tb.Cleanup(s.Shutdown)
	return s
}

// URL is the nats:// URL clients connect to; it stays the same across
// Restart.
func (s *Server) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", s.port) }

// Server is the running server, for its monitoring calls (Connz, NumSubscriptions).
func (s *Server) Server() *server.Server { return s.srv }

// Shutdown stops the server and waits until it has; every client sees its
// connection drop. Shutting down a stopped server does nothing.
func (s *Server) Shutdown() {
	if s.srv == nil {
		return
	}
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.srv = nil
}

// Restart starts the server again on the port it had (a new one the first
// time) and waits until it accepts connections. The server must be stopped.
func (s *Server) Restart() {
	s.tb.Helper()
	if s.srv != nil {
		s.tb.Fatal("natstest: Restart of a running server")
	}
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: s.port,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		s.tb.Fatalf("natstest: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		s.tb.Fatalf("natstest: server on port %d not ready after %v", s.port, readyTimeout)
	}
	s.srv = srv
	s.port = srv.Addr().(*net.TCPAddr).Port
}
