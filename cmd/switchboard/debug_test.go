package main_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDebugAddr: --debug-addr serves Go's profiler on its own listener,
// and the public HTTP port does not.
func TestDebugAddr(t *testing.T) {
	n := startServe(t, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0")
	re := regexp.MustCompile(`msg="profiler listening" debug_addr=(\S+)`)
	var addr string
	waitFor(t, 10*time.Second, func() error {
		m := re.FindStringSubmatch(n.stderr.String())
		if m == nil {
			return fmt.Errorf("no profiler line in the log")
		}
		addr = m[1]
		return nil
	})
	if code, body := getBody(t, "http://"+addr+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Fatalf("profiler answered %d %.80q", code, body)
	}
	if code, _ := getBody(t, n.httpURL+"/debug/pprof/goroutine?debug=1"); code == 200 {
		t.Fatal("the public HTTP port serves the profiler")
	}
}
