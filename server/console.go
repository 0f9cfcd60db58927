package server

import (
	"net/http"

	"github.com/switchboard-iot/switchboard/adapter/console"
)

// registerConsole serves the web console at /app and /console/. Its login
// form starts with Config.ConsoleAppID, or what SetConsoleDefaults set
// later (the demo creates its app and user after the server started).
func (s *Server) registerConsole(mux *http.ServeMux) error {
	s.SetConsoleDefaults(console.Defaults{AppID: s.cfg.ConsoleAppID})
	c, err := console.New(console.Options{Defaults: func() console.Defaults { return *s.consoleDefaults.Load() }})
	if err != nil {
		return err
	}
	c.Register(mux)
	return nil
}

// SetConsoleDefaults changes what the console's login form starts with.
func (s *Server) SetConsoleDefaults(d console.Defaults) { s.consoleDefaults.Store(&d) }
