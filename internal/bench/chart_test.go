package bench

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"
)

// TestChart: the chart has both panels when latencies are known, and the
// received line is drawn in its colour.
func TestChart(t *testing.T) {
	r := &Result{Series: []Point{{T: 1, Sent: 100, Received: 90, P50: 1, P99: 5}, {T: 2, Sent: 100, Received: 100, P50: 2, P99: 9}}}
	var b bytes.Buffer
	if err := r.WriteChart(&b); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dy() < 500 {
		t.Errorf("height %d: no latency panel", img.Bounds().Dy())
	}
	blue := color.RGBAModel.Convert(color.RGBA{30, 90, 220, 255})
	found := false
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y && !found; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == blue {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no received line")
	}
	if err := (&Result{}).WriteChart(&b); err == nil {
		t.Error("a chart of no series")
	}
}

func TestNiceMax(t *testing.T) {
	for v, want := range map[float64]float64{0: 1, 0.7: 1, 3: 5, 12: 20, 19994: 20000, 40473: 50000, 1000: 1000} {
		if got := niceMax(v); got != want {
			t.Errorf("niceMax(%v) = %v, want %v", v, got, want)
		}
	}
}
