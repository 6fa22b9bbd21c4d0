package main

import (
	"bufio"
	"encoding/binary"
	"net"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// serverFrame is an unmasked frame of at most 125 bytes, as a server
// sends it.
func serverFrame(op byte, payload []byte) []byte {
	return append([]byte{0x80 | op, byte(len(payload))}, payload...)
}

// closePayload is a close frame's payload: code, then reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// sendsOnOpen is a wss server that answers the upgrade and sends frame,
// then reads until the browser answers with a close frame of its own or
// ends the connection, and ends it.
func sendsOnOpen(t *testing.T, frame []byte) string {
	t.Helper()
	return rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		if _, err := c.Write(frame); err != nil {
			return
		}
		for {
			if op, _, err := clientFrame(br); err != nil || op == 0x8 {
				return
			}
		}
	})
}

// TestBrowserServerBreaksProtocol: a server that breaks RFC 6455 (a close
// frame with a code no endpoint may send, text that is not UTF-8) makes
// the browser fail the connection and report 1006, as it does for a
// connection cut without a close frame. The page cannot tell the two
// apart, so it names both causes, instead of blaming the network for a
// close frame the server did send.
func TestBrowserServerBreaksProtocol(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	for _, tt := range []struct {
		name  string
		frame []byte
	}{
		{"a close frame with code 1005 on the wire", serverFrame(0x8, closePayload(1005, ""))},
		{"a close frame of one byte", serverFrame(0x8, []byte{3})},
		{"text that is not UTF-8", serverFrame(0x1, []byte{'a', 0xff, 0xfe})},
	} {
		tab.eval("clear", `(() => { document.getElementById("clear-log").click(); return ""; })()`)
		tab.do("url", chromedp.SetValue(chromedp.CSS("#url"), sendsOnOpen(t, tt.frame)))
		tab.connect()
		tab.waitState("closed")
		got := tab.waitFor("the line of the end", `(() => { const li = [...document.querySelectorAll("#log li.error")].find(li => li.textContent.includes("1006"));
			return li ? li.textContent : ""; })()`)
		if strings.Contains(got, "without a close frame") || !strings.Contains(got, "broke the WebSocket protocol") {
			t.Errorf("after %s the page says %q, want the server's breach of the protocol among the causes", tt.name, got)
		}
	}
	tab.checkProblems(func(p string) bool {
		// The browser's own words for each breach, in its console.
		return strings.Contains(p, "WebSocket connection to")
	})
}

// TestBrowserInvalidCloseCodes: Chromium passes on a close code that RFC
// 6455 section 7.4 gives no endpoint to send (below 1000, above 4999, or
// among 1016-2999, which no registry entry names); the page says so
// beside the number, as it names every other code.
func TestBrowserInvalidCloseCodes(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := pageTab(t, "https://"+ta.HTTPSAddr+"/")
	for _, tt := range []struct {
		code uint16
		want string
	}{
		{0, "closed 0 invalid close code"},
		{999, "closed 999 invalid close code"},
		{1014, "closed 1014 bad gateway"},
		{1016, "closed 1016 unassigned code"},
		{2999, "closed 2999 unassigned code"},
		{3000, "closed 3000 library code"},
		{5000, "closed 5000 invalid close code"},
		{65535, "closed 65535 invalid close code"},
	} {
		tab.do("url", chromedp.SetValue(chromedp.CSS("#url"), sendsOnOpen(t, serverFrame(0x8, closePayload(tt.code, "")))))
		tab.connect()
		if got := tab.waitState("closed"); got != tt.want {
			t.Errorf("state %q, want %q", got, tt.want)
		}
	}
	tab.checkProblems(nil)
}
