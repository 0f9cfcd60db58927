package cli

import (
	"flag"
	"fmt"
	"strconv"
)

// capFlag is a connection cap: a count, where 0 on the command line means
// no cap. The config structs read 0 as "default" and below 0 as "no cap",
// so 0 is stored as -1.
type capFlag struct{ p *int }

func (c capFlag) String() string {
	if c.p == nil || *c.p < 0 {
		return "0"
	}
	return strconv.Itoa(*c.p)
}

func (c capFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a count, 0 for no cap")
	}
	if n == 0 {
		n = -1
	}
	*c.p = n
	return nil
}

// capVar defines a connection-cap flag with default def.
func capVar(fs *flag.FlagSet, p *int, name string, def int, usage string) {
	*p = def
	fs.Var(capFlag{p}, name, usage+" (0: no cap)")
}
