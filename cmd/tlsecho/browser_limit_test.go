package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// logLine builds a poll expression that yields the text of the first log
// line of class kind whose text contains sub.
func logLine(kind, sub string) string {
	return `(() => { const li = [...document.querySelectorAll("#log li.` + kind + `")].find(li => li.textContent.includes(` + jsString(sub) + `));
		return li ? li.textContent : ""; })()`
}

// buttonStates is a poll expression for which of the page's connection
// and send buttons are enabled, as "connect disconnect send" in 0s and 1s.
const buttonStates = `["connect-btn", "disconnect-btn", "text-btn"].map(id => document.getElementById(id).disabled ? "0" : "1").join(" ")`

// TestBrowserMessageTooBig: a message over TLSECHO_MAX_MESSAGE_BYTES sent
// from the page ends in close 1009, and the page says why in words: the
// server's limit, with the variable that sets it, and the size of the
// message. The buttons are those of a closed page, and connecting again
// works: a message of exactly the limit is echoed.
func TestBrowserMessageTooBig(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"MAX_MESSAGE_BYTES": "2048"})
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	tab.do("send 2049 bytes", chromedp.SetValue(chromedp.CSS("#text-msg"), strings.Repeat("x", 2049)), chromedp.Click(chromedp.CSS("#text-btn")))
	if got := tab.waitState("closed"); !strings.HasPrefix(got, "closed 1009 message too big") {
		t.Errorf("state %q, want closed 1009 message too big", got)
	}
	why := tab.waitFor("the reason", logLine("error", "larger than it takes"))
	for _, want := range []string{"limit (TLSECHO_MAX_MESSAGE_BYTES) is 2048 bytes (2.0 KiB)", "was 2049 bytes (2.0 KiB)"} {
		if !strings.Contains(why, want) {
			t.Errorf("the page says %q, want it to say %q", why, want)
		}
	}
	if got := tab.eval("buttons", buttonStates); got != "1 0 0" {
		t.Errorf("buttons (connect disconnect send) = %s after the close, want 1 0 0", got)
	}

	tab.connect()
	tab.waitState("open")
	tab.do("send 2048 bytes", chromedp.SetValue(chromedp.CSS("#text-msg"), strings.Repeat("y", 2048)), chromedp.Click(chromedp.CSS("#text-btn")))
	tab.waitFor("the echo at the limit", recvLine(`s === "2.0 KiB"`))
	tab.checkProblems(nil)
}
