package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReceivedTextSize: the page counts a text echo's size in
// UTF-8, as it went over the wire, without encoding it: an echo of
// characters of one, two, three and four bytes, each length's first and
// last among them (U+007F, U+0080, U+07FF, U+0800) and one outside the
// BMP (two UTF-16 code units in the page), is received as many bytes as
// were sent.
func TestBrowserReceivedTextSize(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	tab.eval("the message", `(() => { document.getElementById("text-msg").value = "a\u007f\u0080\u00e9\u07ff\u0800\u20ac\u{1F600}"; return ""; })()`)
	tab.do("send", chromedp.Click(chromedp.CSS("#text-btn")))
	tab.waitFor("the echo", `document.getElementById("st-recv").textContent.startsWith("1 ") ? "y" : ""`)
	got := tab.eval("totals", `document.getElementById("st-sent").textContent + " | " + document.getElementById("st-recv").textContent`)
	if want := "1 · 18 B | 1 · 18 B"; got != want {
		t.Errorf("sent | received read %q, want %q", got, want)
	}
	tab.checkProblems(nil)
}
