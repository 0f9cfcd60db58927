package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"

	"github.com/switchboard-iot/switchboard/internal/demo"
	"github.com/switchboard-iot/switchboard/server"
)

// serveBase is the context `serve` runs under until SIGINT or SIGTERM; the
// tests replace it to stop a server they started in-process.
var serveBase = context.Background

// startDemo sets up `serve --demo` and prints its one block of next steps.
func startDemo(ctx context.Context, srv *server.Server, cfg server.Config, stdout io.Writer, log *slog.Logger) (*demo.Demo, error) {
	d, err := demo.Start(ctx, srv, demo.Options{DataDir: cfg.DataDir, Logger: log})
	if err != nil {
		return nil, err
	}
	printDemo(stdout, d, srv, cfg)
	return d, nil
}

// printDemo writes the console URL, the demo login, the admin token and
// exact commands to try, with this server's real ports and data dir.
func printDemo(w io.Writer, d *demo.Demo, srv *server.Server, cfg server.Config) {
	base := "http://" + publicHTTP(srv.HTTPAddr(), cfg.PublicHost)
	admin := "switchboard admin" + adminFlagsFor(srv.HTTPAddr(), cfg.DataDir)
	did := ""
	if len(d.Devices) > 0 {
		did = d.Devices[0].DID()
	}
	state := "reused from an earlier start"
	if d.Created {
		state = "created now"
	}
	login := fmt.Sprintf(`{"username":"%s","password":"%s"}`, d.Username, d.Password)
	fmt.Fprintf(w, `
Switchboard demo (%s): %d simulated %q devices report every few seconds,
bound to the demo user.

  Console      %s/app
  Demo login   user %s, password %s   (application id %s is filled in)
  Admin token  %s   (kept in %s)

Try next:
  curl -s -X POST %s/app/login -H 'X-Gizwits-Application-Id: %s' -d '%s'
  %s devices list
  %s devices write %s LED_OnOff=true

`, state, len(d.Devices), d.ProductName,
		base, d.Username, d.Password, d.AppID,
		srv.AdminToken, adminTokenWhere(srv, cfg),
		base, d.AppID, login,
		admin, admin, did)
}

func adminTokenWhere(srv *server.Server, cfg server.Config) string {
	if cfg.AdminToken != "" {
		return "--admin-token"
	}
	return strings.TrimSuffix(cfg.DataDir, "/") + "/" + server.AdminTokenFile
}

// publicHTTP is the host:port a person on this machine opens: the public
// host when set, else the listener's address with an unspecified host
// (":8080") shown as localhost.
func publicHTTP(a net.Addr, publicHost string) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := publicHost
	if host == "" {
		host = "localhost"
		if tcp.IP != nil && !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// adminFlagsFor is what `switchboard admin` needs beyond its defaults
// (--server http://127.0.0.1:8080, --data-dir ./data) to reach this server.
func adminFlagsFor(a net.Addr, dataDir string) string {
	var out string
	if tcp, ok := a.(*net.TCPAddr); ok {
		host := "127.0.0.1"
		if tcp.IP != nil && !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
		if url := "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port)); url != "http://127.0.0.1:8080" {
			out += " --server " + url
		}
	}
	if dataDir != "./data" && dataDir != "data" {
		out += " --data-dir " + shellQuote(dataDir)
	}
	return out
}

// shellQuote leaves plain paths alone and single-quotes anything else.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
