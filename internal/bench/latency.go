package bench

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxSamples bounds one recorder's memory (8 bytes a sample); beyond it
// every other sample is kept, which leaves the percentiles unbiased.
const maxSamples = 1 << 21

// recorder collects latency samples of one goroutine (no locking on the
// hot path); merge joins them at the end.
type recorder struct {
	parent  *latencies
	samples []int64
	secs    []int32 // the second of the run each sample was taken in
	skip    int     // keep 1 of every skip+1 once full
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
			r.samples[k], r.secs[k] = r.samples[i], r.secs[i]
			k++
		}
		r.samples, r.secs = r.samples[:k], r.secs[:k]
		r.skip = 2*r.skip + 1
	}
	var sec int32
	if r.parent != nil {
		sec = int32(max(time.Now().UnixNano()-r.parent.start.Load(), 0) / int64(time.Second))
	}
	r.samples = append(r.samples, int64(d))
	r.secs = append(r.secs, sec)
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
	mu    sync.Mutex
	recs  []*recorder
	start atomic.Int64 // Unix ns the per-second series counts from
}

// begin sets the start of the per-second series (the load's start).
func (l *latencies) begin(t time.Time) { l.start.Store(t.UnixNano()) }

func (l *latencies) newRecorder() *recorder {
	r := &recorder{parent: l}
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

// series adds each second's p50 and p99 to the progress points.
func (l *latencies) series(points []Point) []Point {
	l.mu.Lock()
	defer l.mu.Unlock()
	bySec := map[int32][]int64{}
	for _, r := range l.recs {
		for i, d := range r.samples {
			bySec[r.secs[i]] = append(bySec[r.secs[i]], d)
		}
	}
	for i := range points {
		// Point i covers the second ending at points[i].T.
		if ds := bySec[int32(i)]; len(ds) > 0 {
			s := summarize(ds)
			points[i].P50, points[i].P99 = s.P50, s.P99
		}
	}
	return points
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
