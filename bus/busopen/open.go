// Package busopen turns the --bus setting into a bus.Bus. It is a package
// of its own, not part of package bus, because it imports the
// implementations, which import package bus.
package busopen

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/memory"
	busnats "github.com/switchboard-iot/switchboard/bus/nats"
)

// Open returns the bus named by spec: the in-process bus for "" or "memory"
// (one node), or a connection to NATS for "nats://host:4222" (also tls://,
// user:password@ and several servers of one cluster separated by commas).
// Errors never contain a password from spec.
func Open(spec string, logger *slog.Logger) (bus.Bus, error) {
	if err := Check(spec); err != nil {
		return nil, err
	}
	if isMemory(spec) {
		return memory.New(memory.Options{}), nil
	}
	host, _ := os.Hostname()
	b, err := busnats.Connect(busnats.Options{URL: spec, Name: "switchboard " + host, Logger: logger})
	if err != nil {
		return nil, redactErr(err, spec)
	}
	return b, nil
}

// Check reports whether Open would accept spec's form, without connecting:
// a malformed --bus is a usage error, an unreachable server is not.
func Check(spec string) error {
	if isMemory(spec) {
		return nil
	}
	for s := range strings.SplitSeq(spec, ",") {
		if err := checkServer(strings.TrimSpace(s)); err != nil {
			return err
		}
	}
	return nil
}

func isMemory(spec string) bool { return spec == "" || spec == "memory" }

// checkServer accepts one NATS server URL: nats:// or tls:// with a host.
func checkServer(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New(`bus: not a URL; want "memory" or nats://host:4222`)
	}
	if u.Scheme != "nats" && u.Scheme != "tls" || u.Host == "" {
		return fmt.Errorf(`bus %q: want "memory" or nats://host:4222 (or tls://)`, u.Redacted())
	}
	return nil
}

// redactErr replaces any password of spec that err's text contains: nats.go
// does not put URLs into its errors today, and this keeps it so.
func redactErr(err error, spec string) error {
	msg := err.Error()
	for s := range strings.SplitSeq(spec, ",") {
		u, perr := url.Parse(strings.TrimSpace(s))
		if perr != nil || u.User == nil {
			continue
		}
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
