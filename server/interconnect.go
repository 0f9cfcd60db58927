package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/interconnect"
	"github.com/switchboard-iot/switchboard/core"
)

// icParts is the interconnect relay: its state in the core and its
// WebSocket adapter (docs/protocol-interconnect.md).
type icParts struct {
	core *core.Interconnect
	ws   *interconnect.Server
}

// startInterconnect starts the relay's state and registers its endpoint.
func (s *Server) startInterconnect(mux *http.ServeMux) error {
	ic := core.NewInterconnect(s.node, core.ICOptions{Logger: s.log})
	if err := ic.Start(); err != nil {
		return err
	}
	s.interconnect.core = ic
	ws, err := interconnect.New(interconnect.Options{
		Node: s.node, Interconnect: ic, Logger: s.log, Metrics: s.metrics, AllowedOrigins: s.cfg.AllowedOrigins,
	})
	if err != nil {
		return err
	}
	s.interconnect.ws = ws
	ws.Register(mux)
	return nil
}

// closeInterconnect ends the relay's sessions (peers see 1001) and writes
// its last message counters; it runs before the node and store close.
func (s *Server) closeInterconnect(ctx context.Context) error {
	var errs []error
	if s.interconnect.ws != nil {
		errs = append(errs, s.interconnect.ws.Close())
	}
	if s.interconnect.core != nil {
		errs = append(errs, s.interconnect.core.Close(ctx))
	}
	return errors.Join(errs...)
}
