package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's headless Chromium through the DevTools
// protocol (chromedp). Without a Chromium they fail under CI=true, where
// .ci/run installs it, and skip elsewhere with a message saying how to get
// one.

// chromiumPath finds the browser: $SWITCHBOARD_CHROMIUM, then the usual
// names on PATH.
func chromiumPath() string {
	if p := os.Getenv("SWITCHBOARD_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium for one test and returns a context
// bound to a fresh tab. Everything the test does must finish within 90 s.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium not found; .ci/run installs Debian's chromium package")
		}
		t.Skip("Chromium not found: apt-get install chromium (or set SWITCHBOARD_CHROMIUM) to run the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // launch now, so a failure names the browser
		t.Fatalf("start %s: %v", path, err)
	}
	// The page's console and uncaught exceptions go into the report of a
	// failed test.
	var mu sync.Mutex
	var lines []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			mu.Lock()
			lines = append(lines, m.String())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { // runs before the cancels above (cleanups run last first)
		if t.Failed() {
			mu.Lock()
			t.Logf("browser console:\n%s", strings.Join(lines, "\n"))
			mu.Unlock()
		}
	})
	return ctx
}

// run runs actions and fails the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitJS polls a JavaScript expression until it is truthy (10 s at most).
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	// Interval polling, not requestAnimationFrame (throttled in a page the
	// browser thinks hidden), bounded on both sides of the protocol.
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// A condition that throws (an element not rendered yet) counts as not
	// met: a throw would end the poll with an unhandled rejection instead.
	guarded := `(() => { try { return Boolean(` + expr + `); } catch (e) { return false; } })()`
	poll := chromedp.Poll[bool](guarded, chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))
	if _, err := chromedp.Run(pctx, poll); err != nil {
		page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main')?.innerText ?? ''`))
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, page)
	}
}

// eval evaluates a JavaScript expression into a T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// css is a CSS selector (chromedp's plain strings are DOM searches).
type css = chromedp.CSS

// waitText waits until the element matched by sel has exactly want as its
// trimmed text.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf("%s to read %q", sel, want),
		fmt.Sprintf(`document.querySelector(%s)?.textContent.trim() === %s`, strconv.Quote(sel), strconv.Quote(want)))
}

// waitContains waits until the element's text contains want.
func waitContains(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf("%s to contain %q", sel, want),
		fmt.Sprintf(`(document.querySelector(%s)?.textContent ?? '').includes(%s)`, strconv.Quote(sel), strconv.Quote(want)))
}

// screenshot writes docs/screenshots/<name>.png when
// SWITCHBOARD_SCREENSHOTS=1, so ordinary runs leave the tree alone.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("SWITCHBOARD_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote docs/screenshots/%s.png", name)
}

// clickJS clicks the element in one step inside the page. Tables that
// poll re-render their rows every few seconds, and a protocol-level click
// (find the node, then click it) can land between the two on a node that
// was just replaced.
func clickJS(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if !eval[bool](t, ctx, fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (el) el.click(); return !!el; })()`, strconv.Quote(sel))) {
		t.Fatalf("click %s: no such element", sel)
	}
}
