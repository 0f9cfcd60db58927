// Package cli implements the switchboard command's subcommands.
package cli

import (
	"fmt"
	"io"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

const usage = `switchboard: a self-hosted IoT connectivity hub

Usage:
  switchboard serve  [flags]           run a node (embedded SQLite + in-process bus)
  switchboard admin  <resource> <verb>  manage products, apps and devices
  switchboard devsim [flags]           simulate Gizwits devices
  switchboard bench  [flags]           load a server with devices and apps, report throughput and memory
  switchboard version

Every flag can also be set as SWITCHBOARD_<FLAG> (for example
SWITCHBOARD_HTTP_ADDR=:9090); a flag on the command line wins.
Run "switchboard <command> -h" for a command's flags.
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "admin":
		return adminCmd(args[1:], stdout, stderr)
	case "devsim":
		return devsimCmd(args[1:], stdout, stderr)
	case "bench":
		return benchCmd(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "switchboard", Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
