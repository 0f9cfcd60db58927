// Package products embeds the example product definitions, so the binary
// can create the demo product (`switchboard serve --demo`) without the
// repository at hand. The JSON files stay the one source: the README, the
// tests and the demo all read these.
package products

import _ "embed"

// DemoLamp is demo-lamp.json: a fixed-length ("standard") product with a
// writable switch, enum and numbers, and read-only sensors.
//
//go:embed demo-lamp.json
var DemoLamp []byte
