package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/interconnect"
	"github.com/switchboard-iot/switchboard/relay"
)

// icParts is the interconnect relay: its domain state and its WebSocket
// adapter (docs/protocol-interconnect.md).
type icParts struct {
	relay *relay.Relay
	ws    *interconnect.Server
}

// startInterconnect starts the relay's state and registers its endpoint.
func (s *Server) startInterconnect(mux *http.ServeMux) error {
	rs, ok := s.store.(relay.Store)
	if !ok {
		return errors.New("the store does not keep the interconnect relay's state (relay.Store)")
	}
	ic, err := relay.New(relay.Options{Identity: s.node, Store: rs, Bus: s.bus, Logger: s.log})
	if err != nil {
		return err
	}
	if err := ic.Start(); err != nil {
		return err
	}
	s.interconnect.relay = ic
	ws, err := interconnect.New(interconnect.Options{
		Relay: ic, Logger: s.log, Metrics: s.metrics, AllowedOrigins: s.cfg.AllowedOrigins,
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
	if s.interconnect.relay != nil {
		errs = append(errs, s.interconnect.relay.Close(ctx))
	}
	return errors.Join(errs...)
}
