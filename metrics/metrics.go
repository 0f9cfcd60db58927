// Package metrics holds Switchboard's Prometheus collectors. Each adapter
// labels its series with its own name so one dashboard shows every edge.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics is the set of collectors one server registers. A fresh registry per
// server (not the global one) lets tests run several servers in one process.
type Metrics struct {
	Registry *prometheus.Registry
	// Connections is the number of open connections per adapter.
	Connections *prometheus.GaugeVec
	// Messages counts protocol messages per adapter and direction ("in", "out").
	Messages *prometheus.CounterVec
	// DecodeErrors counts inputs an adapter could not decode.
	DecodeErrors *prometheus.CounterVec
	// QueueDrops counts messages dropped because a bounded queue was full.
	QueueDrops *prometheus.CounterVec
	// PushAttempts counts partner push attempts by result ("delivered",
	// "failed", "dead": given up after the retry horizon).
	PushAttempts *prometheus.CounterVec
	// PushWindow is each partner's window of push attempts in flight
	// (label app_id; partners/window.go).
	PushWindow *prometheus.GaugeVec
	// AcceptErrors counts failed Accept calls per listener ("mqtt",
	// "http"); each is retried after a back-off.
	AcceptErrors *prometheus.CounterVec
	// ConnectionsRefused counts connections closed by a limit, per
	// listener and reason ("total", "per_address", "no_connect").
	ConnectionsRefused *prometheus.CounterVec
}

// New creates and registers the collectors, plus the Go runtime and process
// collectors operators expect.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "switchboard", Name: "connections",
			Help: "Open connections per adapter.",
		}, []string{"adapter"}),
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Name: "messages_total",
			Help: "Protocol messages handled per adapter and direction (in, out).",
		}, []string{"adapter", "direction"}),
		DecodeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Name: "decode_errors_total",
			Help: "Inputs an adapter could not decode.",
		}, []string{"adapter"}),
		QueueDrops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Name: "queue_drops_total",
			Help: "Messages dropped because a bounded queue was full.",
		}, []string{"adapter"}),
		PushAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Name: "push_attempts_total",
			Help: "Partner push attempts by result (delivered, failed, dead).",
		}, []string{"result"}),
		PushWindow: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "switchboard", Name: "push_window",
			Help: "Push attempts a partner may have in flight now (adapts between 1 and --push-max-in-flight).",
		}, []string{"app_id"}),
		AcceptErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Name: "accept_errors_total",
			Help: "Failed Accept calls per listener (retried after a back-off).",
		}, []string{"listener"}),
		ConnectionsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "switchboard", Name: "connections_refused_total",
			Help: "Connections closed by a limit, per listener and reason (total, per_address, no_connect).",
		}, []string{"listener", "reason"}),
	}
	m.Registry.MustRegister(m.Connections, m.Messages, m.DecodeErrors, m.QueueDrops, m.PushAttempts, m.PushWindow,
		m.AcceptErrors, m.ConnectionsRefused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Adapter returns the series of one adapter, resolved once so hot paths do
// not look labels up per message.
func (m *Metrics) Adapter(name string) Adapter {
	return Adapter{
		Connections:  m.Connections.WithLabelValues(name),
		In:           m.Messages.WithLabelValues(name, "in"),
		Out:          m.Messages.WithLabelValues(name, "out"),
		DecodeErrors: m.DecodeErrors.WithLabelValues(name),
		QueueDrops:   m.QueueDrops.WithLabelValues(name),
	}
}

// Adapter is the resolved series of one adapter.
type Adapter struct {
	Connections  prometheus.Gauge
	In, Out      prometheus.Counter
	DecodeErrors prometheus.Counter
	QueueDrops   prometheus.Counter
}
