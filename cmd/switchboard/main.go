// Command switchboard is the Switchboard IoT hub: `switchboard serve` runs
// it; see `switchboard help`.
package main

import (
	"os"

	"github.com/switchboard-iot/switchboard/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
