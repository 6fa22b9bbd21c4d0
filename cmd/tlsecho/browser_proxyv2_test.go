package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowserRawCommandWithProxyRequired puts HAProxy in TCP mode in front
// of the HTTPS port, sending PROXY v2 headers, as a server with
// TLSECHO_PROXY_PROTOCOL=require is run, and loads the page in Chromium
// through it: the raw port's box offers no openssl command (s_client
// cannot send the header), the tlsecho command sends one, and the hint
// says why.
func TestBrowserRawCommandWithProxyRequired(t *testing.T) {
	t.Parallel()
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (apt-get install haproxy; the README's test command does)")
	}
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

	tab.load("https://" + front + "/")
	tab.waitInfo()
	if shown := tab.eval("the openssl row", `document.getElementById("cmd-openssl").parentElement.checkVisibility() ? "shown" : ""`); shown != "" {
		t.Errorf("the openssl command is shown (%q), which the raw port refuses", tab.text("#cmd-openssl"))
	}
	if got := tab.text("#cmd-client"); !strings.HasPrefix(got, "tlsecho client -proxy-v2 ") {
		t.Errorf("client line = %q, want one that sends a PROXY header", got)
	}
	if got := tab.text("#cmd-hint"); !strings.Contains(got, "PROXY protocol header") || !strings.Contains(got, "openssl s_client cannot") {
		t.Errorf("hint = %q, want it to say why there is no openssl command", got)
	}
}
