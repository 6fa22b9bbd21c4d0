package main

import (
	"bufio"
	"net"
	"strconv"
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
	tab.eval("watch the log", `(() => { window.mostLines = 0;
		new MutationObserver((records) => { for (const r of records) window.mostLines = Math.max(window.mostLines, r.addedNodes.length); })
			.observe(document.getElementById("log"), { childList: true });
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
	tab.checkProblems(nil)
}
