package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserC1Controls: the C1 control characters (U+0080-U+009F, NEL
// and CSI among them) draw nothing, so "a\u0085b" looked like "ab". They
// have no Unicode Control Pictures; the page shows each as its code in
// angle brackets, marked as the C0 pictures are, in an echo's line and in
// a close reason.
func TestBrowserC1Controls(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	tab.eval("the message", `(() => { document.getElementById("text-msg").value = "a\u0085b\u009bc\u0080"; return ""; })()`)
	tab.do("send", chromedp.Click(chromedp.CSS("#text-btn")))
	got := tab.waitFor("the echo", `(() => { const li = document.querySelector("#log li.recv");
		if (!li) return "";
		const msg = li.querySelector(".msg");
		return (li.classList.contains("bad") ? "bad" : "recv") + ": " + msg.textContent + " marked " + [...msg.querySelectorAll(".ctl")].map(e => e.textContent + "=" + e.title).join(" "); })()`)
	if want := "recv: a<85>b<9B>c<80> marked <85>=control character U+0085 <9B>=control character U+009B <80>=control character U+0080"; got != want {
		t.Errorf("echo line %q, want %q", got, want)
	}
	tab.do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
	tab.waitState("closed")

	// tlsecho's close fault refuses such a reason; another server may send it.
	tab.do("url", chromedp.SetValue(chromedp.CSS("#url"), sendsOnOpen(t, serverFrame(0x8, closePayload(4001, "x\u0085y")))))
	tab.connect()
	if got := tab.waitState("closed"); got != "closed 4001 private-use code “\u2068x<85>y\u2069”" {
		t.Errorf("state %q, want the reason's NEL shown as <85>", got)
	}
	tab.checkProblems(nil)
}
