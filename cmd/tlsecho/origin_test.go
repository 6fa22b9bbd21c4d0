package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestOriginRefusalSaysWhy: a page on another origin gets a 403 that names
// TLSECHO_ALLOWED_ORIGINS, and the default (info) log shows the refusal.
func TestOriginRefusalSaysWhy(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"LOG_LEVEL": "info"})
	d := websocket.Dialer{TLSClientConfig: ta.clientTLS(), HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial("wss://"+ta.HTTPSAddr+"/ws", http.Header{"Origin": {"http://localhost:3000"}})
	if err == nil {
		c.Close()
		t.Fatal("a foreign origin was allowed")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial: %v, want HTTP 403", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"http://localhost:3000"`, `"` + ta.HTTPSAddr + `"`, "TLSECHO_ALLOWED_ORIGINS"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("403 body %q lacks %s", body, want)
		}
	}
	line := waitLogged(t, ta, `msg="websocket origin refused"`)
	// listener=https: the wss refusal names its listener as metrics and
	// /hellos do.
	for _, want := range []string{"level=WARN", "listener=https", "origin=http://localhost:3000", "host=" + ta.HTTPSAddr, "TLSECHO_ALLOWED_ORIGINS"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %q: %s", want, line)
		}
	}
}
