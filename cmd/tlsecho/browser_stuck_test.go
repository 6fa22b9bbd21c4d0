package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserLeavesStuckSockets: the page never leaves its user stuck.
// A socket the browser refuses to open (the page's Content-Security-Policy
// allows ws:// only to its own origin) ends with an error and no close
// event, and the page returns to closed; a burst to a server that stopped
// answering ends at Stop, saying what was not echoed; and a second
// Disconnect, which reads "Stop waiting" then, lets go of a socket whose
// close the server never answers.
func TestBrowserLeavesStuckSockets(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	other := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	tab := newBrowser(t)

	tab.load("http://" + ta.HTTPAddr + "/")
	tab.waitInfo()
	tab.do("url", chromedp.SetValue(chromedp.CSS("#url"), "ws://"+other.HTTPAddr+"/ws"))
	tab.connect()
	tab.waitState("closed")
	tab.waitFor("the refusal explained", `[...document.querySelectorAll("#log li")].some(li => li.textContent.includes("browser refused")) ? "yes" : ""`)

	tab.load("https://" + ta.HTTPSAddr + "/")
	tab.waitInfo()
	tab.do("fault", chromedp.SetValue(chromedp.CSS("#fault"), "blackhole@50"))
	tab.connect()
	tab.waitState("open")
	tab.do("burst size", chromedp.SetValue(chromedp.CSS("#burst-n"), "100"), chromedp.SetValue(chromedp.CSS("#burst-size"), "64"))
	tab.do("run burst", chromedp.Click(chromedp.CSS("#burst-btn")))
	tab.waitFor("the burst sending", `document.getElementById("burst-result").dataset.state === "running" ? "yes" : ""`)
	tab.do("stop burst", chromedp.Click(chromedp.CSS("#burst-btn")))
	result := tab.waitFor("the burst stopped", `(() => { const r = document.getElementById("burst-result");
		return r.dataset.state === "done" ? r.textContent : ""; })()`)
	if !strings.Contains(result, "stopped") || !strings.Contains(result, "not echoed yet") {
		t.Errorf("burst result %q, want it stopped with the echoes it still waits for", result)
	}
	tab.do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	tab.waitState("closing")
	// What a second press does is on the button, not only in a tooltip.
	if got := tab.text("#disconnect-btn"); got != "Stop waiting" {
		t.Errorf("while closing the Disconnect button reads %q, want \"Stop waiting\"", got)
	}
	tab.do("disconnect again", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	if got := tab.waitState("closed"); !strings.Contains(got, "given up") {
		t.Errorf("state %q after a second Disconnect", got)
	}
	if tab.eval("connect", `String(document.getElementById("connect-btn").disabled)`) != "false" {
		t.Error("Connect stays disabled")
	}
	if got := tab.text("#disconnect-btn"); got != "Disconnect" {
		t.Errorf("once closed the Disconnect button reads %q", got)
	}
	tab.checkProblems(func(p string) bool {
		// The refused ws:// socket, as the browser reports it.
		return strings.Contains(p, "Content Security Policy") || strings.Contains(p, "WebSocket")
	})
}
