package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/switchboard-iot/switchboard/internal/bench"
)

func benchCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", stderr)
	var c bench.Config
	fs.StringVar(&c.Scenario, "scenario", "fanin", "one of "+strings.Join(bench.Scenarios, ", "))
	fs.IntVar(&c.Devices, "devices", 50, "simulated MQTT devices")
	fs.IntVar(&c.Apps, "apps", 50, "simulated /ws/app/v1 app sessions (one user each)")
	fs.DurationVar(&c.Duration, "duration", 3*time.Second, "how long the load runs (idle: how long the connections are held)")
	fs.Float64Var(&c.Rate, "rate", 1000, "reports (fanin, fanout, qos1, push) or writes (control) per second in total; 0: as fast as acks allow (qos1, control)")
	fs.IntVar(&c.Concurrency, "concurrency", 256, "connects and logins in flight at once")
	fs.IntVar(&c.PerAddr, "per-addr", 100, "clients sharing one 127.x.y.z source address")
	fs.StringVar(&c.Spawn, "spawn", "", "child (start `switchboard serve` on a temp data dir), inproc (in this process) or none (use --http, --mqtt, --admin-token); default child, none when --http is given")
	fs.StringVar(&c.HTTPURL, "http", "", "HTTP base URL of a running server, e.g. http://127.0.0.1:8080")
	fs.StringVar(&c.MQTTAddr, "mqtt", "", "MQTT host:port of a running server")
	fs.StringVar(&c.AdminToken, "admin-token", "", "admin token of a running server")
	fs.StringVar(&c.AppHTTPURL, "app-http", "", "with --http: another node of the same cluster, where the app sessions connect")
	fs.IntVar(&c.Nodes, "nodes", 1, "child nodes to start (devices on the first, apps on the last); more than one needs --serve-args '--store postgres://… --bus nats://…'")
	fs.StringVar(&c.Compare, "compare", "", "mosquitto: run the same fanin MQTT load through Mosquitto too and print the ratio")
	fs.DurationVar(&c.ReceiverLatency, "receiver-latency", 0, "push: how long the partner's receiver takes to answer each push")
	fs.DurationVar(&c.ReceiverDown, "receiver-down", 0, "push: the partner's receiver answers 503 for this long from the start of the load (an outage; the notes say how fast its backlog drained)")
	serveArgs := fs.String("serve-args", "", "extra flags for the spawned `serve`, space-separated")
	chart := fs.String("chart", "", "also draw the per-second rates and latencies as a PNG to this file")
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if c.Spawn == "" {
		c.Spawn = bench.SpawnChild
		if c.HTTPURL != "" {
			c.Spawn = bench.SpawnNone
		}
	}
	c.ServeArgs = strings.Fields(*serveArgs)
	if !*quiet {
		c.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := bench.Run(ctx, c)
	if err != nil {
		fmt.Fprintln(stderr, "switchboard bench:", err)
		return 1
	}
	if *chart != "" {
		if err := writeChart(r, *chart); err != nil {
			fmt.Fprintln(stderr, "switchboard bench: --chart:", err)
			return 1
		}
	}
	if *asJSON {
		if err := r.WriteJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "switchboard bench:", err)
			return 1
		}
		return 0
	}
	r.WriteText(stdout)
	return 0
}

func writeChart(r *bench.Result, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := r.WriteChart(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
