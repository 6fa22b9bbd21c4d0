package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// closeNameTests are the close codes a browser can be given by a server,
// each with its name in the IANA WebSocket Close Code Number Registry
// (RFC 6455 section 11.7). 1004, 1005 and 1015 are never sent: a server
// cannot make a browser report them.
var closeNameTests = []struct {
	fault string // the spec that makes the server end the connection
	code  int
	name  string
}{
	{"close:1000", 1000, "normal closure"},
	{"close:1001", 1001, "going away"},
	{"close:1002", 1002, "protocol error"},
	{"close:1003", 1003, "unsupported data"},
	{"fin", 1006, "abnormal closure"},
	{"close:1007", 1007, "invalid frame payload data"},
	{"close:1008", 1008, "policy violation"},
	{"close:1009", 1009, "message too big"},
	{"close:1010", 1010, "mandatory extension"},
	{"close:1011", 1011, "internal error"},
	{"close:1012", 1012, "service restart"},
	{"close:1013", 1013, "try again later"},
	{"close:1014", 1014, "bad gateway"},
}

// TestBrowserCloseNames: the page names every close code the server can
// make the browser report, as the registry names it.
func TestBrowserCloseNames(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	for _, tt := range closeNameTests {
		tab.do("fault "+tt.fault, chromedp.SetValue(chromedp.CSS("#fault"), tt.fault))
		tab.connect()
		code := strconv.Itoa(tt.code)
		// The state of this connection's end: the one before had another code.
		got := tab.waitFor("close "+code, `(() => { const s = document.getElementById("state");
			return s.dataset.state === "closed" && s.textContent.startsWith("closed `+code+`") ? s.textContent : ""; })()`)
		if want := "closed " + code + " " + tt.name; !strings.HasPrefix(got, want) {
			t.Errorf("after %s the state reads %q, want %q", tt.fault, got, want)
		}
	}
	tab.checkProblems(nil)
}

// closeWordTests are ends of a connection after one echo, each with the
// log line the page must write: who ended it, with the code, its name
// and the reason.
var closeWordTests = []struct {
	fault      string // empty: the user clicks Disconnect
	kind, line string
}{
	{"close:4001:bye@1", "event", "the server closed the connection: 4001 private-use code “\u2068bye\u2069”"},
	{"close:3000@1", "event", "the server closed the connection: 3000 library code"},
	{"close:1011:oops@1", "event", "the server closed the connection: 1011 internal error “\u2068oops\u2069”"},
	{"close:1008@1", "event", "the server closed the connection: 1008 policy violation"},
	{"fin@1", "error", "the connection ended without a valid close frame (1006 abnormal closure): the server stopped"},
	{"", "event", "•closed 1000 normal closure"},
}

// TestBrowserCloseWords: the log says who ended a connection, the
// server with a close frame, the network without one, or the user, and
// names codes of the ranges the registry leaves to libraries (3000-3999)
// and to private use (4000-4999); after each end Connect is on,
// Disconnect and Send are off, and the next connect works.
func TestBrowserCloseWords(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	for _, tt := range closeWordTests {
		tab.eval("fault "+tt.fault, `document.getElementById("fault").value = `+jsString(tt.fault))
		tab.connect()
		tab.waitState("open")
		echoes := countOf(tab, "#log li.recv")
		tab.send("x")
		tab.waitFor("the echo", `document.querySelectorAll("#log li.recv").length > `+strconv.Itoa(echoes)+` ? "y" : ""`)
		if tt.fault == "" {
			tab.do("disconnect", chromedp.Click(chromedp.CSS("#disconnect-btn")))
		}
		tab.waitFor("the line for "+tt.fault, logLine(tt.kind, tt.line))
		tab.waitState("closed")
		if got := tab.eval("buttons", buttonStates); got != "1 0 0" {
			t.Errorf("after %q: buttons (connect disconnect send) = %s, want 1 0 0", tt.fault, got)
		}
	}
	if n := tab.eval("server lines", `String([...document.querySelectorAll("#log li")].filter(li => li.textContent.includes("the server closed")).length)`); n != "4" {
		t.Errorf("%s lines say the server closed, want 4", n)
	}
	tab.checkProblems(nil)
}

// countOf is how many elements sel selects.
func countOf(tab *browserTab, sel string) int {
	n, err := strconv.Atoi(tab.eval("count "+sel, `String(document.querySelectorAll(`+jsString(sel)+`).length)`))
	if err != nil {
		tab.t.Fatal(err)
	}
	return n
}
