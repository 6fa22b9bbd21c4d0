package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// cdpDo runs one Chrome DevTools Protocol command that answers nothing a
// test needs, as a chromedp action.
func cdpDo[P, R any](c cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, c, params)
		return chromedp.Void{}, err
	}
}

// defaultFont sets the browser's default font size, as a user does in
// its settings for larger text (Chromium's "very large" is 24 px).
func defaultFont(px int64) chromedp.Action[chromedp.Void] {
	return cdpDo(page.SetFontSizes, page.SetFontSizesParams{FontSizes: &page.FontSizes{Standard: px, Fixed: px * 13 / 16}})
}

// layoutProblems is a JavaScript expression that lists what a reader of
// the page at its present size would find broken: the page wider than
// the window, a box that scrolls sideways (but a text field, which
// scrolls its own text), anything sticking out of its card, and
// controls drawn over each other. Empty when there is none.
const layoutProblems = `(() => {
	const out = [], name = (e) => e.id || e.tagName.toLowerCase() + (e.className ? "." + e.className : "");
	const doc = document.documentElement;
	if (doc.scrollWidth > doc.clientWidth) out.push("the page is " + (doc.scrollWidth - doc.clientWidth) + " px wider than the window");
	for (const e of document.querySelectorAll("body *")) {
		const r = e.getBoundingClientRect();
		if (!r.width || !r.height || e.closest(".skip")) continue;
		if (e.tagName !== "INPUT" && e.clientWidth && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible")
			out.push(name(e) + " scrolls sideways: " + e.scrollWidth + " px in " + e.clientWidth);
		const card = e.closest(".card");
		if (card && card !== e) {
			const c = card.getBoundingClientRect();
			if (r.right > c.right - 1 + 0.5 || r.left < c.left + 1 - 0.5)
				out.push(name(e) + " sticks out of its card: " + Math.round(r.left) + "-" + Math.round(r.right) + " px in " + Math.round(c.left) + "-" + Math.round(c.right));
		}
	}
	const controls = [...document.querySelectorAll("input, button, label, summary, .pill, h1")].filter((e) => e.getBoundingClientRect().width);
	for (let i = 0; i < controls.length; i++) for (let j = i + 1; j < controls.length; j++) {
		const a = controls[i], b = controls[j];
		if (a.contains(b) || b.contains(a) || a.control === b || b.control === a) continue;
		const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
		if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
			out.push(name(a) + " and " + name(b) + " overlap");
	}
	return [...new Set(out)].slice(0, 12).join("; ");
})()`

// TestBrowserNarrowAndLargeText: the page at a phone's width, a
// tablet's, a desktop zoomed to 200%, and with the browser's default font
// set larger, shows every control and value inside its card and needs no
// sideways scrolling, with long values on it: a 253-character host name
// in the certificate's subject and names, a 1 MiB message in the log, the
// browser's own JA3 and JA4_r. The text follows the default font size a
// reader chose.
func TestBrowserNarrowAndLargeText(t *testing.T) {
	t.Parallel()
	long := strings.Join([]string{strings.Repeat("a", 63), strings.Repeat("b", 63), strings.Repeat("c", 63), strings.Repeat("d", 55), "test"}, ".")
	ta := startApp(t, map[string]string{"HOSTS": long + ",localhost,127.0.0.1"})
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	if got := tab.text("#info-subject"); !strings.Contains(got, long) {
		t.Fatalf("subject %q does not hold the long host name", got)
	}
	tab.waitFor("the ClientHello panel", `document.getElementById("hello").dataset.loaded === "true" ? "y" : ""`)
	tab.connect()
	tab.waitState("open")
	tab.send("short")
	tab.eval("a 1 MiB message", `(() => { document.getElementById("text-msg").value = "x".repeat(1048576); document.getElementById("text-btn").click(); return ""; })()`)
	tab.waitFor("both echoes", recvLine(`s === "1.0 MiB"`))
	tab.do("open the fault verbs", chromedp.Click(chromedp.CSS("#fault-verbs summary")))

	for _, tt := range []struct {
		name   string
		w, h   int64
		scale  float64
		mobile bool
		font   int64
	}{
		{"phone 360x640", 360, 640, 2, true, 16},
		{"phone 360x640, default font 24 px", 360, 640, 2, true, 24},
		// WCAG's reflow width: 1280 px at 400%.
		{"320x640", 320, 640, 1, false, 16},
		{"tablet 768x1024", 768, 1024, 1, false, 16},
		{"tablet 768x1024, default font 32 px", 768, 1024, 1, false, 32},
		{"desktop 1280x1000 at 200%", 640, 500, 2, false, 16},
		{"desktop 1280x1000, default font 24 px", 1280, 1000, 1, false, 24},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tab := tab.with(t)
			opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(tt.scale)}
			if tt.mobile {
				opts = append(opts, chromedp.EmulateMobile)
			}
			tab.do("size the window", chromedp.EmulateViewport(tt.w, tt.h, opts...), defaultFont(tt.font))
			// 15 px at the default 16: the page's text is scaled from the reader's size.
			got := tab.eval("font sizes", `getComputedStyle(document.body).fontSize + " " + getComputedStyle(document.documentElement).fontSize`)
			if want := fmt.Sprintf("%gpx %dpx", float64(tt.font)*15/16, tt.font); got != want {
				t.Errorf("body and root font sizes are %s with a default font of %d px, want %s", got, tt.font, want)
			}
			if got := tab.eval("layout", layoutProblems); got != "" {
				t.Errorf("%s", got)
			}
		})
	}
	tab.checkProblems(nil)
}
