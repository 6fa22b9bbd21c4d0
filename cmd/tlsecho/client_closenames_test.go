package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/gorilla/websocket"
)

// TestCloseNamesAgreeWithPage: the client and the test page name each
// close code alike, so a close reads the same on both surfaces. The
// client said "invalid payload data" and "internal server error" where
// the page said "invalid frame payload data" and "internal error", and
// it named no 1004, 1005, 1010 or 1015.
func TestCloseNamesAgreeWithPage(t *testing.T) {
	t.Parallel()
	js, err := os.ReadFile("../../web/static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	table := regexp.MustCompile(`(?s)const CLOSE_NAMES = \{(.*?)\};`).FindSubmatch(js)
	if table == nil {
		t.Fatal("app.js has no CLOSE_NAMES table")
	}
	entries := regexp.MustCompile(`(\d{4}): "([^"]+)"`).FindAllSubmatch(table[1], -1)
	if len(entries) < 16 {
		t.Fatalf("CLOSE_NAMES has %d entries, want the 16 of 1000-1015 at least", len(entries))
	}
	for _, e := range entries {
		code, _ := strconv.Atoi(string(e[1]))
		want := fmt.Sprintf("%d (%s)", code, e[2])
		if code == websocket.CloseAbnormalClosure {
			want = fmt.Sprintf("%d (%s, no close frame)", code, e[2])
		}
		if got := closeCodeText(&websocket.CloseError{Code: code}); got != want {
			t.Errorf("client names %q, the page %q", got, want)
		}
	}
}
