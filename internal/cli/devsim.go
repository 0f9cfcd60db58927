package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/devsim"
)

func devsimCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("devsim", stderr)
	var af adminFlags
	af.register(fs)
	productKey := fs.String("product-key", "", "product key of the simulated devices (required)")
	schemaFile := fs.String("schema", "", "product definition JSON (default: fetched with the admin token)")
	count := fs.Int("count", 1, "number of devices")
	interval := fs.Duration("interval", 5*time.Second, "report period of each device")
	macBase := fs.String("mac", "", "MAC of the first device, 12 hex digits; the rest count up (default: derived from the product key)")
	mqttAddr := fs.String("mqtt-addr", "", "connect here instead of where the server provisions")
	duration := fs.Duration("duration", 0, "stop after this long (default: until interrupted)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log, err := newLogger(stderr, *logLevel, "text")
	if err != nil || *productKey == "" || *count < 1 {
		fmt.Fprintln(stderr, "switchboard devsim: --product-key is required and --count must be at least 1")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	schema, err := loadSchema(ctx, &af, *productKey, *schemaFile)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard devsim:", err)
		return 1
	}
	base := *macBase
	if base == "" {
		sum := sha256.Sum256([]byte(*productKey))
		base = "02" + hex.EncodeToString(sum[:3]) + "0000" // locally administered
	}
	devices, err := startDevices(ctx, log, af.server, *productKey, schema, base, *count, *mqttAddr)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard devsim:", err)
		return 1
	}
	for _, d := range devices {
		fmt.Fprintf(stdout, "device online: did=%s passcode=%s\n", d.DID(), d.Passcode())
	}
	var wg sync.WaitGroup
	for _, d := range devices {
		wg.Add(1)
		go func() { defer wg.Done(); d.Run(ctx, *interval) }()
	}
	wg.Wait()
	for _, d := range devices {
		d.Stop()
	}
	return 0
}

func loadSchema(ctx context.Context, af *adminFlags, productKey, file string) (*datapoint.Schema, error) {
	var raw []byte
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		raw = b
	} else {
		c, err := af.client()
		if err != nil {
			return nil, fmt.Errorf("give --schema, or an admin token to fetch it: %w", err)
		}
		p, err := c.GetProduct(ctx, productKey)
		if err != nil {
			return nil, err
		}
		raw = p.Schema
	}
	def, err := datapoint.ParseProduct(raw)
	if err != nil {
		return nil, err
	}
	return datapoint.Compile(def)
}

func startDevices(ctx context.Context, log *slog.Logger, server, productKey string, schema *datapoint.Schema, macBase string, count int, mqttAddr string) ([]*devsim.Device, error) {
	var devices []*devsim.Device
	for i := 0; i < count; i++ {
		mac, err := nthMAC(macBase, i)
		if err != nil {
			return nil, err
		}
		d, err := devsim.New(devsim.Options{
			HTTPURL: server, ProductKey: productKey, Schema: schema, MAC: mac,
			MQTTAddr: mqttAddr, AutoReconnect: true, Logger: log,
		})
		if err != nil {
			return nil, err
		}
		if err := d.Start(ctx); err != nil {
			for _, s := range devices {
				s.Stop()
			}
			return nil, err
		}
		devices = append(devices, d)
	}
	return devices, nil
}

// nthMAC adds n to a 12-hex-digit MAC.
func nthMAC(base string, n int) (string, error) {
	b, err := hex.DecodeString(base)
	if err != nil || len(b) != 6 {
		return "", fmt.Errorf("--mac %q: want 12 hex digits", base)
	}
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	v += uint64(n)
	return fmt.Sprintf("%012x", v&0xFFFFFFFFFFFF), nil
}
