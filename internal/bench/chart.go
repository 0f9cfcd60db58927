package bench

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"
)

// WriteChart draws the run's series as a PNG: on top the rates per second
// (grey: sent, blue: received), below the latency of each second (green:
// p50, red: p99, in ms) when the scenario times anything. Axes are labelled
// with their maxima and the seconds. The standard library has no font, so
// the labels use the small bitmap digits below and the colours are
// explained here and in docs/benchmarks.md.
func (r *Result) WriteChart(w io.Writer) error {
	if len(r.Series) == 0 {
		return errors.New("no per-second series to chart (the run was shorter than a second, or idle)")
	}
	const width, panelH, margin = 900, 240, 50
	hasLat := false
	for _, p := range r.Series {
		hasLat = hasLat || p.P99 > 0
	}
	height := margin + panelH + margin
	if hasLat {
		height += panelH + margin
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	n := len(r.Series)
	xs := func(i int) int { return margin + (width-2*margin)*(i+1)/n }

	var maxRate float64
	for _, p := range r.Series {
		maxRate = math.Max(maxRate, math.Max(float64(p.Sent), float64(p.Received)))
	}
	top := panel{img: img, x0: margin, y0: margin, w: width - 2*margin, h: panelH, max: niceMax(maxRate)}
	top.frame(r.Series, xs)
	top.line(len(r.Series), xs, func(i int) float64 { return float64(r.Series[i].Sent) }, color.RGBA{150, 150, 150, 255})
	top.line(len(r.Series), xs, func(i int) float64 { return float64(r.Series[i].Received) }, color.RGBA{30, 90, 220, 255})
	if hasLat {
		var maxLat float64
		for _, p := range r.Series {
			maxLat = math.Max(maxLat, p.P99)
		}
		bottom := panel{img: img, x0: margin, y0: 2*margin + panelH, w: width - 2*margin, h: panelH, max: niceMax(maxLat)}
		bottom.frame(r.Series, xs)
		bottom.line(len(r.Series), xs, func(i int) float64 { return r.Series[i].P50 }, color.RGBA{20, 160, 60, 255})
		bottom.line(len(r.Series), xs, func(i int) float64 { return r.Series[i].P99 }, color.RGBA{210, 40, 40, 255})
	}
	return png.Encode(w, img)
}

type panel struct {
	img    *image.RGBA
	x0, y0 int
	w, h   int
	max    float64
}

func (p panel) y(v float64) int { return p.y0 + p.h - int(v/p.max*float64(p.h)) }

// frame draws the axes, a grid line at each quarter with its value, and
// the seconds under the x axis.
func (p panel) frame(series []Point, xs func(int) int) {
	axis := color.RGBA{0, 0, 0, 255}
	grid := color.RGBA{225, 225, 225, 255}
	for q := 1; q <= 4; q++ {
		v := p.max * float64(q) / 4
		y := p.y(v)
		hline(p.img, p.x0, p.x0+p.w, y, grid)
		text(p.img, 2, y-3, strconv.FormatFloat(v, 'f', -1, 64), axis)
	}
	hline(p.img, p.x0, p.x0+p.w, p.y0+p.h, axis)
	vline(p.img, p.x0, p.y0, p.y0+p.h, axis)
	step := max(1, len(series)/10)
	for i := 0; i < len(series); i += step {
		x := xs(i)
		vline(p.img, x, p.y0+p.h, p.y0+p.h+4, axis)
		text(p.img, x-6, p.y0+p.h+8, strconv.FormatFloat(series[i].T, 'f', 0, 64), axis)
	}
}

func (p panel) line(n int, xs func(int) int, v func(int) float64, c color.RGBA) {
	for i := 0; i+1 < n; i++ {
		segment(p.img, xs(i), p.y(v(i)), xs(i+1), p.y(v(i+1)), c)
	}
	for i := 0; i < n; i++ { // a dot per second, so a one-point series shows
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				p.img.Set(xs(i)+dx, p.y(v(i))+dy, c)
			}
		}
	}
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*e {
			return m * e
		}
	}
	return 10 * e
}

func hline(img *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := x0; x <= x1; x++ {
		img.Set(x, y, c)
	}
}

func vline(img *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := y0; y <= y1; y++ {
		img.Set(x, y, c)
	}
}

// segment draws a line with Bresenham's algorithm.
func segment(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.Set(x0, y0, c)
		img.Set(x0, y0+1, c) // two pixels thick
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// glyphs are 3×5 bitmaps of the characters numbers need.
var glyphs = map[rune][5]string{
	'0': {"###", "#.#", "#.#", "#.#", "###"},
	'1': {".#.", "##.", ".#.", ".#.", "###"},
	'2': {"###", "..#", "###", "#..", "###"},
	'3': {"###", "..#", "###", "..#", "###"},
	'4': {"#.#", "#.#", "###", "..#", "..#"},
	'5': {"###", "#..", "###", "..#", "###"},
	'6': {"###", "#..", "###", "#.#", "###"},
	'7': {"###", "..#", "..#", "..#", "..#"},
	'8': {"###", "#.#", "###", "#.#", "###"},
	'9': {"###", "#.#", "###", "..#", "###"},
	'.': {"...", "...", "...", "...", ".#."},
	'-': {"...", "...", "###", "...", "..."},
}

// text draws s at (x, y) in 2× scaled glyphs.
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	for _, ch := range s {
		g, ok := glyphs[ch]
		if ok {
			for row, line := range g {
				for col, px := range line {
					if px == '#' {
						for d := 0; d < 4; d++ {
							img.Set(x+2*col+d%2, y+2*row+d/2, c)
						}
					}
				}
			}
		}
		x += 8
	}
}
