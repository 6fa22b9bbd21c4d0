package main

import (
	"bufio"
	"bytes"
	"net"
	"testing"
)

// TestBrowserWrongEchoNoRoundTrip: an echo that differs from what was
// sent is flagged and counted as a mismatch, and is not a round trip: it
// may be another message's echo, or none. The round-trip count, its
// statistics and the chart take only echoes that matched. The server here
// echoes "ok" as it is and answers anything else in capitals.
func TestBrowserWrongEchoNoRoundTrip(t *testing.T) {
	t.Parallel()
	tab := wrongEchoTab(t)
	tab.waitFor("the wrong echo", `document.getElementById("st-bad").textContent === "1" ? "y" : ""`)
	if got := tab.eval("stats", `["st-count", "st-min", "st-median"].map(id => document.getElementById(id).textContent).join(" ")`); got != "0 — —" {
		t.Errorf("after one wrong echo the round trips (count min median) read %q, want \"0 — —\"", got)
	}
	// Nor does its line give a time: it would be the time since another
	// message was sent.
	if got := tab.eval("the wrong echo's line", `(() => { for (const li of document.querySelectorAll("#log li.recv.bad")) {
		const r = li.querySelector(".rtt"); return r.textContent + (r.dataset.ms ? " " + r.dataset.ms : ""); } return "no line"; })()`); got != "" {
		t.Errorf("the wrong echo's line gives the time %q, want none", got)
	}
	tab.send("ok")
	tab.waitFor("the echo", recvLine(`b === "ok"`))
	got := tab.waitFor("the count", `(() => { const c = document.getElementById("st-count").textContent; return c !== "0" ? c : ""; })()`)
	if got != "1" {
		t.Errorf("round trips counted %q after one right and one wrong echo, want 1", got)
	}
	tab.checkProblems(nil)
}

// wrongEchoTab opens the page of a tlsecho, connects it to a
// capitalsServer and sends "wrong", whose echo comes back in capitals.
func wrongEchoTab(t *testing.T) *browserTab {
	t.Helper()
	ta := startApp(t, nil)
	url := capitalsServer(t)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	tab.eval("url", `(() => { document.getElementById("url").value = `+jsString(url)+`; return ""; })()`)
	tab.connect()
	tab.waitState("open")
	tab.send("wrong")
	return tab
}

// capitalsServer starts a WebSocket server that echoes "ok" as it is and
// answers anything else in capitals: an echo the page must flag as wrong.
func capitalsServer(t *testing.T) string {
	t.Helper()
	return rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		for {
			op, p, err := clientFrame(br)
			if err != nil || op == 0x8 {
				return
			}
			if string(p) != "ok" {
				p = bytes.ToUpper(p)
			}
			if _, err := c.Write(serverFrame(op, p)); err != nil {
				return
			}
		}
	})
}
