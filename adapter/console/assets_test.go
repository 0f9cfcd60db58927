package console

import (
	"io/fs"
	"path"
	"regexp"
	"strings"
	"testing"
)

// The console works offline and under its CSP only if every asset is
// embedded and self-contained: no URL to another host, no inline script
// or style, no HTML built from strings, and every module import resolving
// to an embedded file. These are checked here without a browser.
func TestAssetsSelfContained(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.files["index.html"]; !ok {
		t.Fatal("index.html is not embedded")
	}
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/`)
	importRe := regexp.MustCompile(`(?m)^\s*import\s[^'"]*['"]([^'"]+)['"]`)
	for name, f := range c.files {
		body := string(f.body)
		if name != "favicon.svg" { // its xmlns is a name, not a fetch
			if m := external.FindString(body); m != "" {
				t.Errorf("%s refers to another host: %s", name, m)
			}
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			if strings.Contains(body, bad) && !(bad == "innerHTML" && name == "js/dom.js") {
				t.Errorf("%s uses %s", name, bad)
			}
		}
		if strings.HasSuffix(name, ".html") {
			if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(body) || strings.Contains(body, "<style") || strings.Contains(body, " style=") || regexp.MustCompile(` on[a-z]+=`).MatchString(body) {
				t.Errorf("%s has inline script, style or handlers, which the CSP blocks", name)
			}
		}
		if strings.HasSuffix(name, ".js") {
			for _, m := range importRe.FindAllStringSubmatch(body, -1) {
				target := path.Join(path.Dir(name), m[1])
				if _, ok := c.files[target]; !ok {
					t.Errorf("%s imports %s, which is not embedded (%s)", name, m[1], target)
				}
			}
		}
	}
	// Every file in the embedded tree was loaded.
	n := 0
	_ = fs.WalkDir(assets, "assets", func(_ string, d fs.DirEntry, _ error) error {
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if n != len(c.files) {
		t.Fatalf("%d embedded files, %d served", n, len(c.files))
	}
}
