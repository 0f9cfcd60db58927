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
	// CPUSeconds is the process's user and system CPU time so far: the
	// difference over a run, per message, is what the server spent on each
	// whatever the load generator beside it on the same cores took.
	CPUSeconds float64 `json:"cpu_s"`
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
		} else if v, ok := strings.CutPrefix(line, "process_cpu_seconds_total "); ok {
			s.CPUSeconds, _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
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

// procStats reads a process's resident set and CPU time from /proc (for
// Mosquitto, which has no /metrics).
func procStats(pid int) (ServerStats, error) {
	var s ServerStats
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if f := strings.Fields(v); len(f) >= 1 {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err != nil {
					return s, err
				}
				s.RSSBytes, found = kb*1024, true
			}
		}
	}
	if !found {
		return s, fmt.Errorf("no VmRSS for pid %d", pid)
	}
	if s.CPUSeconds, err = procCPU(pid); err != nil {
		return s, err
	}
	return s, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports (sysconf needs cgo).
const clockTicks = 100

// procCPU is utime + stime of /proc/<pid>/stat, in seconds.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 { // fields 3..15: state .. stime
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times %q %q", pid, f[11], f[12])
	}
	return (utime + stime) / clockTicks, nil
}
