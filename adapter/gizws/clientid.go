package gizws

import (
	"math/rand/v2"
	"strconv"
	"sync/atomic"
)

// clientIDs hands out the app client id of each session: the last level
// of app2dev/<did>/<clientid>, which the device copies into the topic of
// its 0x0094, so replies find the session that asked. The shape
// usr<digits> follows what the real gateway appears to use (notes §1.3);
// a random per-node prefix keeps ids of this run apart from those of an
// earlier run or another node, and the result stays within GAgent's 23
// characters (core.MaxClientIDLen): "usr" + 6 + at most 14 digits.
type clientIDs struct {
	prefix string
	next   atomic.Uint64
}

func newClientIDs() *clientIDs {
	return &clientIDs{prefix: "usr" + strconv.Itoa(100000+rand.IntN(900000))}
}

func (c *clientIDs) new() string {
	return c.prefix + strconv.FormatUint(c.next.Add(1)%1e14, 10)
}
