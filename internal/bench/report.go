package bench

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON prints the result as one JSON object.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText prints the result for people.
func (r *Result) WriteText(w io.Writer) {
	r.writeText(w, "")
	if r.Comparison != nil {
		fmt.Fprintln(w)
		r.Comparison.writeText(w, "")
		if r.Ratio != nil {
			fmt.Fprintf(w, "ratio switchboard / mosquitto (received per second): %.2f\n", *r.Ratio)
		}
	}
}

func (r *Result) writeText(w io.Writer, indent string) {
	fmt.Fprintf(w, "%sscenario %s on %s: %d devices, %d apps, %.1fs (setup %.1fs)\n",
		indent, r.Scenario, r.Broker, r.Devices, r.Apps, r.DurationSec, r.SetupSec)
	fmt.Fprintf(w, "%s  sent      %d (%.0f/s)\n", indent, r.Sent, r.SentPerSec)
	fmt.Fprintf(w, "%s  received  %d of %d (%.0f/s), errors %d\n", indent, r.Received, r.Expected, r.RecvPerSec, r.Errors)
	if r.Latency.Count > 0 {
		fmt.Fprintf(w, "%s  latency   p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms  (%d samples; %s)\n", indent,
			r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max, r.Latency.Count, r.LatencyWhat)
	}
	if r.Broker == "switchboard" {
		fmt.Fprintf(w, "%s  server    RSS %.1f MB → %.1f MB, goroutines %.0f → %.0f\n", indent,
			r.ServerBefore.RSSBytes/1e6, r.ServerAfter.RSSBytes/1e6, r.ServerBefore.Goroutines, r.ServerAfter.Goroutines)
	} else {
		fmt.Fprintf(w, "%s  server    RSS %.1f MB → %.1f MB\n", indent, r.ServerBefore.RSSBytes/1e6, r.ServerAfter.RSSBytes/1e6)
	}
	if r.CPUPerReceived > 0 {
		fmt.Fprintf(w, "%s  server    CPU %.1f µs per received (%.1f s in all)\n", indent, r.CPUPerReceived, r.ServerAfter.CPUSeconds-r.ServerBefore.CPUSeconds)
	}
	if r.RSSPerDevice != 0 || r.RSSPerApp != 0 {
		fmt.Fprintf(w, "%s  per idle connection: %.1f KB a device, %.1f KB an app\n", indent, r.RSSPerDevice/1e3, r.RSSPerApp/1e3)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "%s  note: %s\n", indent, n)
	}
}
