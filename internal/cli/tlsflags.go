package cli

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/switchboard-iot/switchboard/server"
)

// tlsFlags adds the TLS listeners' flags.
func tlsFlags(fs *flag.FlagSet, cfg *server.Config) {
	fs.StringVar(&cfg.HTTPSAddr, "https-addr", ":8443", "HTTPS and WSS listen address (off: none)")
	fs.StringVar(&cfg.MQTTSAddr, "mqtts-addr", ":8883", "MQTT over TLS listen address for devices (off: none)")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "PEM certificate (chain) of the TLS listeners; reread on SIGHUP (default: self-signed, generated once in the data dir)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "PEM private key of --tls-cert; reread on SIGHUP")
}

// listenersOff maps an empty listen address to off: every default is
// non-empty, so an empty value was asked for (`--http-addr ""`), and it
// would otherwise mean the default to server.Config.
func listenersOff(cfg *server.Config) {
	for _, a := range []*string{&cfg.HTTPAddr, &cfg.MQTTAddr, &cfg.HTTPSAddr, &cfg.MQTTSAddr} {
		if *a == "" {
			*a = server.Off
		}
	}
}

// printCertificate says which certificate the secure ports serve, with
// its fingerprint, so a client can pin or check it.
func printCertificate(w io.Writer, srv *server.Server) {
	certPath, _ := srv.CertificateFiles()
	if certPath == "" {
		return
	}
	how := "TLS certificate"
	if srv.CertificateCreated {
		how = "Generated a self-signed TLS certificate"
	}
	fmt.Fprintf(w, "%s: %s\n    SHA-256 %s\n    (clients: trust it with e.g. curl --cacert %s)\n\n",
		how, certPath, srv.CertificateFingerprint(), certPath)
}

// reloadOnHangup rereads the certificate on every SIGHUP until stop is
// called; a bad file is logged by ReloadCertificate and the old one stays.
func reloadOnHangup(srv *server.Server, log *slog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				log.Info("SIGHUP: reloading the TLS certificate")
				_ = srv.ReloadCertificate()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

// consoleBase is the console's origin: plain HTTP if on, else HTTPS.
func consoleBase(srv *server.Server, publicHost string) string {
	if a := srv.HTTPAddr(); a != nil {
		return "http://" + publicHTTP(a, publicHost)
	}
	return "https://" + publicHTTP(srv.HTTPSAddr(), publicHost)
}
