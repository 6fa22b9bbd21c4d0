package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserServerText: what the server sends shows as text, never as
// markup, and cannot rearrange the page's own words. An echoed message
// with an <img onerror> stays text; a close reason with a right-to-left
// override (U+202E, which the close fault lets through as printable) is
// shown between its quotes, the override ending with the reason, instead
// of running on and drawing the closing quote before the reversed text;
// also when a stray pop-directional-isolate (U+2069) before the override
// tries to end the isolate the page sets the reason in.
func TestBrowserServerText(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")

	const markup = `<img src=x onerror=window.pwned=1>`
	tab.do("fault", chromedp.SetValue(chromedp.CSS("#fault"), "close:4001:<b>x</b>\u2069\u202eevil@1"))
	tab.connect()
	tab.waitState("open")
	tab.send(markup)
	tab.waitFor("the echo", recvLine(`b === `+jsString(markup)))
	got := tab.waitState("closed")
	if !strings.Contains(got, "<b>x</b>") {
		t.Errorf("state %q, want the reason as text", got)
	}
	if n := tab.eval("markup", `String(document.querySelectorAll("main img, main b, header b").length) + " " + String(window.pwned)`); n != "0 undefined" {
		t.Errorf("elements made from the server's text, and window.pwned: %s", n)
	}

	// Where the browser draws them: the closing quote must be right of
	// every character of the reason.
	layout := tab.eval("the state's layout", `(() => {
		const node = document.getElementById("state").firstChild, s = node.data;
		const at = (i, j) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, j); return r.getBoundingClientRect(); };
		const open = s.indexOf("“"), close = s.lastIndexOf("”");
		if (open < 0 || close < 0) return "no quotes in " + JSON.stringify(s);
		const reason = at(open + 1, close), quote = at(close, close + 1);
		return quote.left >= reason.right - 0.5 ? "ok" :
			"closing quote at x=" + quote.left + ", reason drawn up to x=" + reason.right + " in " + JSON.stringify(s);
	})()`)
	if layout != "ok" {
		t.Errorf("the reason runs past its quotes: %s", layout)
	}
	tab.checkProblems(nil)
}

// TestBrowserLoneSurrogate: text with half a surrogate pair (pasted, or
// cut from a longer string) goes out as U+FFFD, as WebSocket.send turns
// any string into Unicode scalar values; the echo of it matches what was
// sent, and the page does not report a mismatch the server never made.
func TestBrowserLoneSurrogate(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	tab.eval("the message", `(() => { document.getElementById("text-msg").value = "half \ud83d of an emoji"; return ""; })()`)
	tab.do("send", chromedp.Click(chromedp.CSS("#text-btn")))
	got := tab.waitFor("the echo", `(() => { const li = document.querySelector("#log li.recv");
		return li ? li.className + ": " + li.querySelector(".body").textContent : ""; })()`)
	if got != "recv: half \ufffd of an emoji" {
		t.Errorf("echo line %q, want a matching echo of the text as sent", got)
	}
	if bad := tab.eval("mismatches", `document.getElementById("st-bad").textContent`); bad != "0" {
		t.Errorf("%s mismatches counted, want 0", bad)
	}
	tab.checkProblems(nil)
}
