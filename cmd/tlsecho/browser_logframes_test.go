package main

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBrowserLogFloodFrames: a server that sends thousands of messages
// nobody asked for (each a mismatch, each a log line) does not make the
// page rebuild its whole log every frame. The log made the newest 1,000
// lines in each frame, about 100 ms of layout, and the page's own work
// on each message held back the user's clicks for seconds (4-5 s for
// Disconnect under a stream of 16-byte messages). The log now makes at
// most 100 lines a frame, and still ends with the newest.
func TestBrowserLogFloodFrames(t *testing.T) {
	t.Parallel()
	// Twice the log's 1,000 lines: the page made the newest 1,000 in
	// each frame, so any flood longer than the log showed it; 5,000 only
	// cost the run's CPU.
	const n = 2000
	ta := startApp(t, nil)
	var stream []byte
	for i := range n {
		stream = append(stream, serverFrame(0x1, []byte("m"+strconv.Itoa(i)))...)
	}
	url := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		if _, err := c.Write(stream); err != nil {
			return
		}
		for {
			if op, _, err := clientFrame(br); err != nil || op == 0x8 {
				return
			}
		}
	})
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	// Records come in the order of the changes, the log's aria-live
	// among them, so each line added is known to have been added to a
	// live log or not; the time is when the records were delivered, right
	// after the change.
	tab.eval("watch the log", `(() => { window.mostLines = 0; window.liveLines = [];
		const log = document.getElementById("log");
		let live = log.getAttribute("aria-live") !== "off";
		new MutationObserver((records) => { const now = performance.now(); for (const r of records) {
			if (r.type === "attributes") { live = r.oldValue === "off"; continue; }
			window.mostLines = Math.max(window.mostLines, r.addedNodes.length);
			if (live && r.addedNodes.length) window.liveLines.push([now, r.addedNodes.length]);
		} }).observe(log, { childList: true, attributes: true, attributeFilter: ["aria-live"], attributeOldValue: true });
		document.getElementById("url").value = `+jsString(url)+`; return ""; })()`)
	tab.connect()
	// The page's work on thousands of messages, not a reaction: the whole test
	// took 2.2-4.4 s beside two busy loops, and beside the package's
	// other browser tests and another package's under -race more than
	// waitFor's 10 s. What the test proves is the lines made per frame,
	// not the pace; the tab's own minute bounds the wait.
	tab.waitForWithin("the last message logged", 40*time.Second, `(() => { const li = document.querySelector("#log li:last-child");
		return li && li.querySelector(".msg") && li.querySelector(".msg").textContent === "m`+strconv.Itoa(n-1)+`" ? "y" : ""; })()`)
	if got := tab.eval("mismatches", `document.getElementById("st-bad").textContent`); got != strconv.Itoa(n) {
		t.Errorf("%s mismatches, want %d", got, n)
	}
	most, err := strconv.Atoi(tab.eval("the most lines made at once", `String(window.mostLines)`))
	if err != nil {
		t.Fatal(err)
	}
	if most < 1 || most > 100 {
		t.Errorf("the log made up to %d lines at once, want at most 100 a frame", most)
	}
	// A screen reader reads the lines added to a live log. The log is
	// live for a few lines a second, and then says once how many more
	// came. It was live for all 2,000 lines.
	if got := tab.eval("lines read out", `(() => { const l = window.liveLines; let most = 0;
		for (let i = 0; i < l.length; i++) { let n = 0; for (let j = i; j < l.length && l[j][0] - l[i][0] < 1000; j++) n += l[j][1]; most = Math.max(most, n); }
		return most > 10 ? most + " lines added to the live log within a second" : ""; })()`); got != "" {
		t.Errorf("%s, want at most 10 (5 in each second the page counts)", got)
	}
	tab.waitFor("the log live again", `document.getElementById("log").getAttribute("aria-live") === "polite" ? "y" : ""`)
	if got := tab.eval("the log's status", `(document.getElementById("log-status") || {}).textContent || ""`); !strings.HasSuffix(got, " more lines in the log, too fast to read one by one") {
		t.Errorf("the log's status reads %q, want how many lines came too fast to read", got)
	}
	tab.checkProblems(nil)
}
