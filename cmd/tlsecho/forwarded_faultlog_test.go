package main

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestForwardedClientInFaultLog: behind a trusted proxy that ends TLS,
// the records of a ws:// connection on the plain HTTP listener name the
// client X-Forwarded-For gives, the "fault applied" ones too (a fault
// acting on the connection, and status:CODE refusing its upgrade), as
// every record of a wss connection names its client: a search of the
// log for the client finds every one, none names the proxy.
func TestForwardedClientInFaultLog(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.0/8"})
	d := websocket.Dialer{HandshakeTimeout: ioWait}
	hdr := http.Header{"X-Forwarded-For": {"203.0.113.9"}}

	c, _, err := d.Dial("ws://"+ta.HTTPAddr+"/ws"+faultQuery("close:4001@1"), hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(ioWait))
	c.SetReadDeadline(time.Now().Add(ioWait))
	if err := c.WriteMessage(websocket.TextMessage, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "one" {
		t.Fatalf("echo: %q, %v", msg, err)
	}
	var ce *websocket.CloseError
	if _, _, err := c.ReadMessage(); !errors.As(err, &ce) || ce.Code != 4001 {
		t.Fatalf("after the echo: %v, want close 4001", err)
	}
	waitLogged(t, ta, `msg="websocket closed" listener=http peer=203.0.113.9`)

	_, resp, err := d.Dial("ws://"+ta.HTTPAddr+"/ws"+faultQuery("status:503"), hdr)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status:503: %v, %v; want the upgrade refused with 503", err, resp)
	}

	var applied []string
	for line := range strings.Lines(ta.Log.String()) {
		if strings.Contains(line, `msg="fault applied"`) {
			applied = append(applied, line)
		}
	}
	if len(applied) != 2 {
		t.Fatalf("%d fault applied records, want 2 (close, status):\n%s", len(applied), ta.Log.String())
	}
	for _, line := range applied {
		if !strings.Contains(line, "listener=http peer=203.0.113.9 ") {
			t.Errorf("fault applied record does not name the forwarded client: %s", line)
		}
	}
}
