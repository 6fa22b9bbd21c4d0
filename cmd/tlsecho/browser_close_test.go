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
