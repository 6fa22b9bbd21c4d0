package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFaults drives the page's Faults field in Chromium: the
// presets come from /info, the chosen spec goes to the server and shows
// in the log, a fault takes effect (close 4001 after three echoes), and a
// refused upgrade is explained with the server's own line.
func TestBrowserFaults(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := newBrowser(t)
	logHas := func(what, sub string) {
		t.Helper()
		tab.waitFor(what, `[...document.querySelectorAll("#log li")].some(li => li.textContent.includes(`+jsString(sub)+`)) ? "yes" : ""`)
	}
	preset := func(name string) {
		t.Helper()
		clicked, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](`(() => {
			const b = [...document.querySelectorAll("#fault-presets button")].find(b => b.textContent === `+jsString(name)+`);
			if (b) b.click();
			return !!b; })()`))
		if err != nil || !clicked {
			t.Fatalf("preset %q not clicked: %v", name, err)
		}
	}

	tab.load("https://" + ta.HTTPSAddr + "/")
	names := tab.waitFor("the presets", `[...document.querySelectorAll("#fault-presets button")].map(b => b.textContent).join("|")`)
	if names != "slow echo|1-byte frames|close 4001 after 3|no pongs|reset after 1" {
		t.Errorf("presets = %q", names)
	}
	if n := tab.waitFor("the verb list", `String(document.querySelectorAll("#fault-list dt").length)`); n != "11" {
		t.Errorf("%s verbs listed, want 11", n)
	}

	// 1-byte frames: the echo is whole again in the browser.
	preset("1-byte frames")
	tab.connect()
	logHas("the connect line with the spec", "with faults frag:1")
	tab.waitState("open")
	tab.send("one byte at a time")
	tab.waitFor("the echo", recvLine(`b === "one byte at a time"`))
	tab.do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	tab.waitState("closed")

	// close 4001 after 3: three echoes, then the server's close.
	preset("close 4001 after 3")
	tab.connect()
	tab.waitState("open")
	for _, m := range []string{"a", "b", "c"} {
		tab.send(m)
		tab.waitFor("echo "+m, recvLine(`b === `+jsString(m)))
	}
	if got := tab.waitState("closed"); !strings.Contains(got, "4001") || !strings.Contains(got, "fault") {
		t.Errorf("state after close:4001:fault@3 = %q, want 4001 and its reason", got)
	}

	// A bad spec: the browser sees only 1006; the page asks for the line.
	tab.do("bad spec", chromedp.SetValue(chromedp.CSS("#fault"), "explode"))
	tab.connect()
	logHas("the refusal", "upgrade refused with HTTP 400: fault: explode: unknown verb")
	tab.waitState("closed")
	tab.do("status spec", chromedp.SetValue(chromedp.CSS("#fault"), "status:503"))
	tab.connect()
	logHas("the refusal", "upgrade refused with HTTP 503: fault: upgrade refused with 503")

	// The refused upgrades and their explaining fetches are expected
	// failures, and the browser logs them.
	_, urls := tab.checkProblems(func(p string) bool {
		return strings.Contains(p, "fault=explode") || strings.Contains(p, "fault=status") ||
			strings.Contains(p, "status of 400") || strings.Contains(p, "status of 503")
	})
	checkSameOrigin(t, ta.HTTPSAddr, urls)
	_, body := ta.adminDo(t, "GET", "/metrics")
	// status twice: the refused upgrade, and the page's request that
	// asked why.
	for v, n := range map[string]string{"frag": "1", "close": "1", "status": "2"} {
		if !strings.Contains(body, `tlsecho_faults_total{verb="`+v+`"} `+n) {
			t.Errorf("%s not counted %s times:\n%s", v, n, grepLines(body, "tlsecho_faults_total"))
		}
	}
}
