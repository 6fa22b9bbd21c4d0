package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// previewTests are text messages longer than a log line shows, each with
// the start its lines must show (an ellipsis after it when it was cut).
var previewTests = []struct {
	name    string
	msg     string
	preview string
	cut     bool
}{
	{
		// A cut by UTF-16 code units would keep half of the emoji.
		name:    "emoji across the cut",
		msg:     strings.Repeat("a", 159) + "😀 and more",
		preview: strings.Repeat("a", 159) + "😀…",
		cut:     true,
	},
	{
		// A cut by code points would keep one of the flag's two letters.
		name:    "flag across the cut",
		msg:     strings.Repeat("a", 159) + "🇩🇪 and more",
		preview: strings.Repeat("a", 159) + "🇩🇪…",
		cut:     true,
	},
	{
		name:    "100 emoji with skin tones, longer in code units but not in characters",
		msg:     strings.Repeat("👍🏽", 100),
		preview: strings.Repeat("👍🏽", 100),
	},
	{
		// One character of 5,001 code points: cut between them.
		name:    "a letter under 5,000 combining marks",
		msg:     "e" + strings.Repeat("\u0301", 5000),
		preview: "e" + strings.Repeat("\u0301", 159) + "…",
		cut:     true,
	},
	{
		name:    "short text that ends with an ellipsis",
		msg:     "to be continued…",
		preview: "to be continued…",
	},
}

// TestBrowserPreviews: a long text message's log lines show its start
// whole, never half an emoji or half a flag, and mark that it was cut.
func TestBrowserPreviews(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	for i, tt := range previewTests {
		tab.do("send "+tt.name, chromedp.SetValue(chromedp.CSS("#text-msg"), tt.msg), chromedp.Click(chromedp.CSS("#text-btn")))
		// The i-th sent and received lines are this message's.
		got := tab.waitFor("the echo of "+tt.name, `(() => {
			const sent = document.querySelectorAll("#log li.sent")[`+strconv.Itoa(i)+`], recv = document.querySelectorAll("#log li.recv")[`+strconv.Itoa(i)+`];
			if (!sent || !recv) return "";
			return JSON.stringify([sent, recv].map((li) => {
				const text = (li.querySelector(".msg") || li.querySelector(".body")).textContent, cut = li.querySelector(".cut");
				return { text, wellFormed: text.isWellFormed(), cut: cut ? cut.textContent : "" };
			}));
		})()`)
		cut := ""
		if tt.cut {
			cut = "cut"
		}
		want := `{"text":` + jsString(tt.preview) + `,"wellFormed":true,"cut":"` + cut + `"}`
		if want = "[" + want + "," + want + "]"; got != want {
			t.Errorf("%s: lines (sent, received) = %s\nwant %s", tt.name, got, want)
		}
	}

	// A right-to-left override in the text ends with it, also after a
	// stray pop-directional-isolate that tries to end the text's isolate
	// early: the cut mark is drawn after the text, not pulled before it.
	tab.do("send an override", chromedp.SetValue(chromedp.CSS("#text-msg"), "x\u2069\u202e"+strings.Repeat("b", 200)), chromedp.Click(chromedp.CSS("#text-btn")))
	layout := tab.waitFor("the override's echo", `(() => {
		const li = document.querySelectorAll("#log li.recv")[`+strconv.Itoa(len(previewTests))+`];
		if (!li) return "";
		const cut = li.querySelector(".cut");
		if (!cut) return "no cut mark";
		const text = li.querySelector(".msg").getClientRects(), last = text[text.length - 1], mark = cut.getBoundingClientRect();
		return mark.top >= last.bottom - 0.5 || mark.left >= last.right - 0.5 ? "ok" :
			"cut mark at x=" + mark.left + ", text's last line up to x=" + last.right;
	})()`)
	if layout != "ok" {
		t.Errorf("the cut mark is drawn inside the overridden text: %s", layout)
	}
	tab.checkProblems(nil)
}
