package cli

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSmoke is CI's seconds-long run of `switchboard bench`: fan-in
// through a node it starts on random ports, printed as JSON. It checks the
// run measured something (reports sent and delivered, ordered positive
// latency percentiles, the server's RSS and goroutines), never how fast.
func TestBenchSmoke(t *testing.T) {
	var stdout, stderr bytes.Buffer
	chart := filepath.Join(t.TempDir(), "fanin.png")
	code := Main([]string{"bench", "--scenario", "fanin", "--devices", "20", "--apps", "20",
		"--duration", "2s", "--rate", "500", "--spawn", "inproc", "--json", "--chart", chart}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, stderr.String())
	}
	var r struct {
		Scenario   string  `json:"scenario"`
		Sent       int64   `json:"sent"`
		Expected   int64   `json:"expected"`
		Received   int64   `json:"received"`
		RecvPerSec float64 `json:"received_per_s"`
		Errors     int64   `json:"errors"`
		Latency    struct {
			Count int     `json:"count"`
			P50   float64 `json:"p50_ms"`
			P90   float64 `json:"p90_ms"`
			P99   float64 `json:"p99_ms"`
			Max   float64 `json:"max_ms"`
		} `json:"latency"`
		Series []struct {
			Received float64 `json:"received_per_s"`
		} `json:"series"`
		ServerAfter struct {
			RSS        float64 `json:"rss_bytes"`
			Goroutines float64 `json:"goroutines"`
		} `json:"server_after"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, stdout.String())
	}
	if r.Scenario != "fanin" || r.Sent == 0 || r.Received == 0 || r.RecvPerSec <= 0 || r.Errors != 0 {
		t.Fatalf("result %+v", r)
	}
	if r.Received != r.Expected {
		t.Errorf("received %d of %d reports", r.Received, r.Expected)
	}
	l := r.Latency
	if l.Count == 0 || l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max || l.Max > 30_000 {
		t.Errorf("latency %+v", l)
	}
	if r.ServerAfter.RSS <= 0 || r.ServerAfter.Goroutines <= 0 {
		t.Errorf("server stats %+v", r.ServerAfter)
	}
	if len(r.Series) == 0 || r.Series[0].Received <= 0 {
		t.Errorf("series %+v", r.Series)
	}
	f, err := os.Open(chart)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 100 || img.Bounds().Dy() < 100 {
		t.Errorf("chart: %v, %v", err, img)
	}
	if !strings.Contains(stderr.String(), "bench: fanin") {
		t.Errorf("no progress lines on stderr: %q", stderr.String())
	}
}

func TestBenchBadFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"bench", "--scenario", "nope", "--spawn", "inproc"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--scenario") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
