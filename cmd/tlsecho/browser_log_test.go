package main

import (
	"testing"
)

// TestBrowserLogFlood: 510 messages sent as fast as the page takes them
// give 1,020 log lines; the log keeps the newest 1,000, the last being
// the last echo. Dropping the oldest line, as the log does for each new
// one, leaves the shade of every other line as it was: with shading by
// position every line after it was restyled, once a frame, which made a
// fast stream of messages crawl.
func TestBrowserLogFlood(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.connect()
	tab.waitState("open")
	tab.eval("the flood", `(() => { const f = document.getElementById("send-text"), i = document.getElementById("text-msg");
		for (let n = 0; n < 510; n++) { i.value = "m" + n; f.requestSubmit(); } return ""; })()`)
	tab.waitFor("510 echoes", `document.getElementById("st-recv").textContent.startsWith("510 ") ? "y" : ""`)
	tab.waitFor("the last echo logged", `(() => { const li = document.querySelector("#log li:last-child");
		return li && li.classList.contains("recv") && li.querySelector(".msg").textContent === "m509" ? "y" : ""; })()`)
	if n := tab.eval("lines", `String(document.querySelectorAll("#log li").length)`); n != "1000" {
		t.Errorf("the log holds %s lines after 1,020, want the newest 1000", n)
	}
	got := tab.eval("shades", `(() => {
		const log = document.getElementById("log"), shade = () => [...log.children].map(li => getComputedStyle(li).backgroundColor);
		const before = shade();
		if (new Set(before).size < 2) return "lines are not shaded alternately: " + before[0];
		const t = performance.now();
		log.firstElementChild.remove();
		const after = shade(), ms = performance.now() - t;
		const changed = after.filter((bg, i) => bg !== before[i + 1]).length;
		return changed ? changed + " lines changed shade when the oldest went (" + ms.toFixed(1) + " ms)" : "";
	})()`)
	if got != "" {
		t.Error(got)
	}
	tab.checkProblems(nil)
}
