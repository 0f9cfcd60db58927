package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// ServerStats are what the server's own /metrics says about its process.
type ServerStats struct {
	RSSBytes   float64 `json:"rss_bytes"`
	Goroutines float64 `json:"goroutines"`
}

// scrapeMetrics reads process_resident_memory_bytes and go_goroutines from
// a Prometheus text endpoint. Both must be there: a server that stopped
// exposing them would make every memory figure of the bench meaningless.
func scrapeMetrics(ctx context.Context, url string) (ServerStats, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return ServerStats{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ServerStats{}, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ServerStats{}, fmt.Errorf("metrics: HTTP %d", resp.StatusCode)
	}
	var s ServerStats
	var haveRSS, haveG bool
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
			s.RSSBytes, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
			haveRSS = err == nil
		} else if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			s.Goroutines, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
			haveG = err == nil
		}
	}
	if err := sc.Err(); err != nil {
		return ServerStats{}, fmt.Errorf("metrics: %w", err)
	}
	if !haveRSS || !haveG {
		return ServerStats{}, fmt.Errorf("metrics: %s lacks process_resident_memory_bytes or go_goroutines", url)
	}
	return s, nil
}

// procRSS reads a process's resident set from /proc (for Mosquitto, which
// has no /metrics).
func procRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) >= 1 {
				kb, err := strconv.ParseFloat(f[0], 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
