package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium, headless, through the Chrome
// DevTools protocol (chromedp): the pages as a citizen, an officer and an
// authority meet them. Without Chromium they skip, and fail when CI is set.
// SIEGEL_AXE names axe-core's axe.min.js (npm package axe-core), which
// checks each main page for accessibility; SIEGEL_SCREENSHOTS a folder for
// screenshots of the main pages at desktop and phone width. .ci/run sets
// both.

// chromium is the browser's path, or "" when there is none.
func chromium() string {
	if p := os.Getenv("SIEGEL_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// need skips t without what it needs, or fails it under CI.
func need(t *testing.T, what, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing (%s); CI installs it", what, why)
	}
	t.Skipf("%s is missing (%s); .ci/run installs it", what, why)
}

// newBrowser starts a headless Chromium for t, with a profile of its own,
// and returns a tab's context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		need(t, "Chromium", "the browser tests drive it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The test provider's certificate is from the test's own
		// authority, on loopback only.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1280, 900),
		// German first, as most users' browsers here send it.
		chromedp.Flag("lang", "de-DE"),
		chromedp.Flag("accept-lang", "de-DE,de"),
		chromedp.Env("LANGUAGE=de"),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs steps, failing t with what the page says on an error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		t.Fatalf("browser: %v\n%s", err, where(ctx))
	}
}

// get runs an action with a result, failing t on an error.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(c, a)
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, where(ctx))
	}
	return v
}

// stepTimeout bounds each step: a page that never shows what a step
// waits for fails the test, and says where it was.
const stepTimeout = 20 * time.Second

// where is the page's address and text, for a failure's message.
func where(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(c, chromedp.Location())
	body, _ := chromedp.Run(c, chromedp.Text(chromedp.CSS("body")))
	return fmt.Sprintf("at %s:\n%.2000s", url, body)
}

// text is the visible text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return get(t, ctx, chromedp.Text(chromedp.CSS(sel)))
}

// axeViolation is what axe-core reports of one rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkA11y runs axe-core on the page and fails t on every serious or
// critical violation. The script is injected through the DevTools
// protocol, not the page, so the page's CSP does not stand in its way.
func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	path := os.Getenv("SIEGEL_AXE")
	if path == "" {
		need(t, "axe-core (SIEGEL_AXE=path to axe.min.js)", "the accessibility check injects it")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SIEGEL_AXE: %v", err)
	}
	get(t, ctx, chromedp.Evaluate[any](string(src)+";0"))
	res := get(t, ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	for _, v := range res {
		if v.Impact == "serious" || v.Impact == "critical" {
			b, _ := json.Marshal(v.Nodes)
			t.Errorf("%s: accessibility: %s (%s): %s at %.300s", page, v.ID, v.Impact, v.Help, b)
		}
	}
	fitsPhone(t, ctx, page)
}

// fitsPhone fails t when the page is wider than a 360-pixel phone screen,
// so that reading it would need sideways scrolling.
func fitsPhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	do(t, ctx, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile))
	w := get(t, ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if w > 360 {
		// Name the deepest elements that reach past the edge.
		wide := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("body *"))
			.filter(e => e.getBoundingClientRect().right > 361 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > 361))
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + ": " + (e.textContent || "").trim().slice(0, 40))`))
		t.Errorf("%s: %d pixels wide on a 360-pixel screen: %q", page, w, wide)
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
}

// screenshot saves the page at desktop and phone width, when
// SIEGEL_SCREENSHOTS names a folder.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SIEGEL_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		suffix string
		w, h   int64
		opts   []chromedp.EmulateViewportOption
	}{{"desktop", 1280, 900, nil}, {"phone", 360, 740, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}}} {
		do(t, ctx, chromedp.EmulateViewport(size.w, size.h, size.opts...))
		png := get(t, ctx, chromedp.FullScreenshot(100)) // 100: PNG
		f := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, size.suffix))
		if err := os.WriteFile(f, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
}
