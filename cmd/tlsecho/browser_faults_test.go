package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFaults drives the page's Faults field in Chromium: the
// presets come from /info, the chosen spec goes to the server and shows
// in the log, a fault takes effect (close 4001 after three echoes), and a
// refused upgrade is explained with the server's own line.
func TestBrowserFaults(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	watch := &pageWatch{}
	ctx := newBrowser(t, watch)
	waitFor := func(what, expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			problems, _ := watch.snapshot()
			t.Fatalf("waiting for %s: %v (page problems so far: %q)", what, err, problems)
		}
		return s
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	logHas := func(what, sub string) {
		t.Helper()
		waitFor(what, `[...document.querySelectorAll("#log li")].some(li => li.textContent.includes(`+jsString(sub)+`)) ? "yes" : ""`)
	}
	preset := func(name string) {
		t.Helper()
		clicked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const b = [...document.querySelectorAll("#fault-presets button")].find(b => b.textContent === `+jsString(name)+`);
			if (b) b.click();
			return !!b; })()`))
		if err != nil || !clicked {
			t.Fatalf("preset %q not clicked: %v", name, err)
		}
	}
	connect := func() {
		t.Helper()
		do("connect", chromedp.Click(chromedp.CSS("#connect-btn")))
	}
	waitClosed := func() string {
		t.Helper()
		return waitFor("state closed", `document.getElementById("state").dataset.state === "closed" ? document.getElementById("state").textContent : ""`)
	}

	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse("https://"+ta.HTTPSAddr+"/")); err != nil {
		t.Fatal(err)
	}
	names := waitFor("the presets", `[...document.querySelectorAll("#fault-presets button")].map(b => b.textContent).join("|")`)
	if names != "slow echo|1-byte frames|close 4001 after 3|no pongs|reset after 1" {
		t.Errorf("presets = %q", names)
	}
	if n := waitFor("the verb list", `String(document.querySelectorAll("#fault-list dt").length)`); n != "11" {
		t.Errorf("%s verbs listed, want 11", n)
	}

	// 1-byte frames: the echo is whole again in the browser.
	preset("1-byte frames")
	connect()
	logHas("the connect line with the spec", "with faults frag:1")
	waitFor("state open", `document.getElementById("state").dataset.state === "open" ? "open" : ""`)
	do("send", chromedp.SendKeys(chromedp.CSS("#text-msg"), "one byte at a time\n"))
	waitFor("the echo", recvLine(`b === "one byte at a time"`))
	do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	waitClosed()

	// close 4001 after 3: three echoes, then the server's close.
	preset("close 4001 after 3")
	connect()
	waitFor("state open", `document.getElementById("state").dataset.state === "open" ? "open" : ""`)
	for _, m := range []string{"a", "b", "c"} {
		do("send "+m, chromedp.SendKeys(chromedp.CSS("#text-msg"), m+"\n"))
		waitFor("echo "+m, recvLine(`b === `+jsString(m)))
	}
	if got := waitClosed(); !strings.Contains(got, "4001") || !strings.Contains(got, "fault") {
		t.Errorf("state after close:4001:fault@3 = %q, want 4001 and its reason", got)
	}

	// A bad spec: the browser sees only 1006; the page asks for the line.
	do("bad spec", chromedp.SetValue(chromedp.CSS("#fault"), "explode"))
	connect()
	logHas("the refusal", "upgrade refused with HTTP 400: fault: explode: unknown verb")
	waitClosed()
	do("status spec", chromedp.SetValue(chromedp.CSS("#fault"), "status:503"))
	connect()
	logHas("the refusal", "upgrade refused with HTTP 503: fault: upgrade refused with 503")

	problems, urls := watch.snapshot()
	for _, p := range problems {
		// The refused upgrades and their explaining fetches are expected
		// failures, and the browser logs them.
		if strings.Contains(p, "fault=explode") || strings.Contains(p, "fault=status") ||
			strings.Contains(p, "status of 400") || strings.Contains(p, "status of 503") {
			continue
		}
		t.Errorf("page problem: %s", p)
	}
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
