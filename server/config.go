// Package server assembles one Switchboard node from its parts: store, bus,
// core and adapters. cmd/switchboard and the tests both start nodes through
// it, so what the tests exercise is what operators run.
package server

import (
	"log/slog"

	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
)

// Config is everything a node needs. Zero values take the defaults of
// `switchboard serve`.
type Config struct {
	// DataDir holds the SQLite database and the generated admin token.
	DataDir string
	// HTTPAddr and MQTTAddr are listen addresses (":0" picks a free port).
	HTTPAddr, MQTTAddr string
	// AdminToken authenticates /admin/v1; empty means generate one on first
	// start and keep it in DataDir/admin-token.
	AdminToken string
	// PublicHost is the host devices and apps are told to connect to; empty
	// means the host they used to reach the HTTP API.
	PublicHost string
	// MQTTLimits bound each device connection.
	MQTTLimits mqttgw.Limits
	Logger     *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = ":8080"
	}
	if c.MQTTAddr == "" {
		c.MQTTAddr = ":1883"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
