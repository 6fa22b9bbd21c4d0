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
		return li ? (li.classList.contains("bad") ? "bad" : "recv") + ": " + li.querySelector(".body").textContent : ""; })()`)
	if got != "recv: half \ufffd of an emoji" {
		t.Errorf("echo line %q, want a matching echo of the text as sent", got)
	}
	if bad := tab.eval("mismatches", `document.getElementById("st-bad").textContent`); bad != "0" {
		t.Errorf("%s mismatches counted, want 0", bad)
	}
	tab.checkProblems(nil)
}

// TestBrowserControlCharacters: a text message with control characters
// (NUL, ESC, a tab, DEL, which draw nothing or move the text) shows each
// as its Unicode Control Picture, marked, so "a\x00b" does not look like
// "ab"; a line of 5,000 characters without a space wraps inside the log
// instead of widening it; binary bytes that are not UTF-8 show as hex.
func TestBrowserControlCharacters(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")

	tab.eval("the message", `(() => { document.getElementById("text-msg").value = "a\u0000b\u001bc\td\u007fe␀"; return ""; })()`)
	tab.do("send", chromedp.Click(chromedp.CSS("#text-btn")))
	got := tab.waitFor("the echo", `(() => { const li = document.querySelector("#log li.recv");
		if (!li) return "";
		const msg = li.querySelector(".msg");
		return (li.classList.contains("bad") ? "bad" : "recv") + ": " + msg.textContent + " marked " + [...msg.querySelectorAll(".ctl")].map(e => e.textContent).join(""); })()`)
	if want := "recv: a␀b␛c␉d␡e␀ marked ␀␛␉␡"; got != want {
		t.Errorf("echo line %q, want %q", got, want)
	}

	tab.do("send a long word", chromedp.SetValue(chromedp.CSS("#text-msg"), strings.Repeat("W", 5000)), chromedp.Click(chromedp.CSS("#text-btn")))
	tab.do("send hex", chromedp.SendKeys(chromedp.CSS("#hex-msg"), "ff fe 00 c3 28"), chromedp.Click(chromedp.CSS("#hex-btn")))
	tab.waitFor("the binary echo", recvLine(`k === "binary" && b === "ff fe 00 c3 28"`))
	for _, width := range []int64{1280, 390} {
		tab.do("viewport", chromedp.EmulateViewport(width, 900))
		if got := tab.eval("widths", `(() => { const l = document.getElementById("log");
			return l.scrollWidth <= l.clientWidth && document.documentElement.scrollWidth <= innerWidth ? "ok" :
				"log " + l.scrollWidth + "/" + l.clientWidth + ", page " + document.documentElement.scrollWidth + "/" + innerWidth; })()`); got != "ok" {
			t.Errorf("at %d px the long word widens the log or the page: %s", width, got)
		}
	}
	if bad := tab.eval("mismatches", `document.getElementById("st-bad").textContent`); bad != "0" {
		t.Errorf("%s mismatches counted, want 0", bad)
	}
	tab.checkProblems(nil)
}
