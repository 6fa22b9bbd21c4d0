package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHexInput: the Binary hex field takes hex digits in pairs,
// with spaces, colons, commas, dashes and 0x between or before them, in
// either case. A group of an odd number of digits is refused, not joined
// to the next one: "1 2 3 4" would otherwise go out as the two bytes 12
// 34 where four were meant.
func TestBrowserHexInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	for _, tt := range []struct {
		in, want string // want: the sent line's bytes, or "refused"
	}{
		{"DE:ad-BE,ef", "de ad be ef"},
		{"0xDE 0Xad\t00", "de ad 00"},
		{"deadbeef", "de ad be ef"},
		{"1 2 3 4", "refused"},
		{"0x1 0x2", "refused"},
		{"d e a d", "refused"},
		{"de ad b", "refused"},
		{"0x", "refused"},
		{"de zz", "refused"},
	} {
		got, err := chromedp.Run(tab.ctx, chromedp.Evaluate[string](`(() => { const f = document.getElementById("hex-msg");
			f.value = `+jsString(tt.in)+`; f.setCustomValidity("");
			const before = document.querySelectorAll("#log li.sent").length;
			document.getElementById("send-hex").requestSubmit();
			if (f.validationMessage) return "refused";
			return new Promise(r => requestAnimationFrame(() => { const s = document.querySelectorAll("#log li.sent");
				r(s.length > before ? s[s.length - 1].querySelector(".msg").textContent : "nothing sent, nothing said"); })); })()`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("send %q: %v", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("hex %q: %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := strings.TrimSpace(tab.eval("mismatches", `document.getElementById("st-bad").textContent`)); n != "0" {
		t.Errorf("%s mismatches", n)
	}
	tab.checkProblems(nil)
}
