package bench

import (
	"slices"
	"sync"
	"time"
)

// maxSamples bounds one recorder's memory (8 bytes a sample); beyond it
// every other sample is kept, which leaves the percentiles unbiased.
const maxSamples = 1 << 21

// recorder collects latency samples of one goroutine (no locking on the
// hot path); merge joins them at the end.
type recorder struct {
	samples []int64
	skip    int // keep 1 of every skip+1 once full
	n       int
}

func (r *recorder) add(d time.Duration) {
	r.n++
	if r.skip > 0 && r.n%(r.skip+1) != 0 {
		return
	}
	if len(r.samples) >= maxSamples {
		// Thin out: keep every other sample and halve the rate from now on.
		k := 0
		for i := 0; i < len(r.samples); i += 2 {
			r.samples[k] = r.samples[i]
			k++
		}
		r.samples = r.samples[:k]
		r.skip = 2*r.skip + 1
	}
	r.samples = append(r.samples, int64(d))
}

// Latency is a distribution in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// latencies collects recorders from many goroutines.
type latencies struct {
	mu   sync.Mutex
	recs []*recorder
}

func (l *latencies) newRecorder() *recorder {
	r := &recorder{}
	l.mu.Lock()
	l.recs = append(l.recs, r)
	l.mu.Unlock()
	return r
}

// summary merges every recorder; call it once the goroutines are done.
func (l *latencies) summary() Latency {
	l.mu.Lock()
	defer l.mu.Unlock()
	var all []int64
	for _, r := range l.recs {
		all = append(all, r.samples...)
	}
	return summarize(all)
}

func summarize(all []int64) Latency {
	if len(all) == 0 {
		return Latency{}
	}
	slices.Sort(all)
	at := func(q float64) float64 {
		i := int(q * float64(len(all)-1))
		return float64(all[i]) / 1e6
	}
	return Latency{Count: len(all), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: float64(all[len(all)-1]) / 1e6}
}
