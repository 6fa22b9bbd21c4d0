package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowserRawCommandWithProxyRequired puts HAProxy in TCP mode in front
// of the HTTPS port, sending PROXY v2 headers, as a server with
// TLSECHO_PROXY_PROTOCOL=require is run, and loads the page in Chromium
// through it: the raw port's box offers the plain commands, which work
// through such a balancer fronting the raw port too, and the hint says
// that straight to the server the tlsecho command needs -proxy-v2 and
// openssl s_client cannot send the header.
func TestBrowserRawCommandWithProxyRequired(t *testing.T) {
	t.Parallel()
	haproxy := needHAProxy(t)
	tab := newBrowser(t) // skips without Chromium
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"})

	front := freeAddr(t)
	cfg := fmt.Sprintf(`defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend https
    bind %s
    default_backend echo
backend echo
    server tlsecho %s send-proxy-v2
`, front, ta.HTTPSAddr)
	cfgFile := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startHAProxy(t, haproxy, cfgFile)
	// No health check here to wait for: HAProxy's frontend itself.
	waitAccepting(t, front)

	tab.load("https://" + front + "/")
	tab.waitInfo()
	if shown := tab.eval("the openssl row", `document.getElementById("cmd-openssl").parentElement.checkVisibility() ? "shown" : ""`); shown == "" {
		t.Error("the openssl command is hidden, though it works through the balancer")
	}
	if got := tab.text("#cmd-client"); !strings.HasPrefix(got, "tlsecho client ") || strings.Contains(got, "-proxy-v2") {
		t.Errorf("client line = %q, want the plain command: through the balancer a -proxy-v2 one arrives with two headers", got)
	}
	if got := tab.text("#cmd-hint"); !strings.Contains(got, "came through a load balancer") || !strings.Contains(got, "add -proxy-v2") || !strings.Contains(got, "openssl s_client cannot") {
		t.Errorf("hint = %q, want it to say the commands go through the balancer and what straight to the server needs", got)
	}
}
