package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrowserBehindTLSProxy puts HAProxy in HTTP mode in front of the
// plain HTTP listener, ending TLS and adding X-Forwarded-For and
// X-Forwarded-Proto, as an ingress does, and drives the page in Chromium
// over https: the page connects to wss:// (a ws:// URL from an https page
// would be blocked as mixed content), echoes, and says TLS was terminated
// upstream and who the browser is. Then the same under a path, as an
// ingress that serves the page at /echo/ does: the page finds its files,
// /info and /ws beside itself, through the ingress.
func TestBrowserBehindTLSProxy(t *testing.T) {
	t.Parallel()
	haproxy := needHAProxy(t)
	tab := newBrowser(t) // skips without Chromium
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.1"})

	dir := t.TempDir()
	pem := haproxyPEM(t, dir)
	front, stats := freeAddr(t), freeAddr(t)
	// Checks every 100ms find the backend soon; without "timeout check"
	// each would have those 100ms to finish, which a loaded machine under
	// -race misses, and HAProxy would take the healthy backend down.
	cfg := fmt.Sprintf(`global
    log stdout format raw local0 info
defaults
    mode http
    log global
    timeout connect 5s
    timeout check 5s
    timeout client 30s
    timeout server 30s
    timeout tunnel 1m
frontend https
    bind %s ssl crt %s alpn http/1.1
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    use_backend prefixed if { path_beg /echo/ }
    default_backend echo
frontend stats
    bind %s
    stats enable
    stats uri /
backend echo
    option httpchk GET /healthz
    server tlsecho %s check inter 100ms
backend prefixed
    http-request replace-path /echo(/.*) \\1
    option httpchk GET /healthz
    server tlsecho %s check inter 100ms
`, front, pem, stats, ta.HTTPAddr, ta.HTTPAddr)
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startHAProxy(t, haproxy, cfgFile)
	waitChecked(t, "http://"+stats+"/;csv", 2)

	tab.load("https://" + front + "/")
	tab.waitInfo()
	if got := tab.text("#info-tls"); !strings.Contains(got, "terminated upstream") {
		t.Errorf("info TLS = %q, want it to say TLS ended upstream", got)
	}
	if got := tab.text("#info-peer"); !strings.HasPrefix(got, "127.0.0.1 ") || !strings.Contains(got, "forwarded by proxy 127.0.0.1:") {
		t.Errorf("info peer = %q, want the browser's address, forwarded by the proxy", got)
	}
	if got := tab.waitFor("the hello panel", `document.getElementById("hello-status").textContent`); !strings.Contains(got, "proxy in front ended TLS") {
		t.Errorf("hello panel = %q, want it to say the proxy ended TLS", got)
	}
	if got, want := tab.eval("default URL", `document.getElementById("url").value`), "wss://"+front+"/ws"; got != want {
		t.Errorf("default URL = %q, want %q", got, want)
	}
	tab.connect()
	tab.waitState("open")
	tab.send("through the ingress")
	tab.waitFor("the echo", recvLine(`b === "through the ingress"`))

	tab.load("https://" + front + "/echo/")
	tab.waitInfo()
	if got, want := tab.eval("default URL under a path", `document.getElementById("url").value`), "wss://"+front+"/echo/ws"; got != want {
		t.Errorf("default URL under /echo/ = %q, want %q", got, want)
	}
	tab.connect()
	tab.waitState("open")
	tab.send("under a path")
	tab.waitFor("the echo under a path", recvLine(`b === "under a path"`))

	_, urls := tab.checkProblems(nil)
	checkSameOrigin(t, front, urls)
	under := false
	for _, u := range urls {
		if u == "https://"+front+"/echo/" {
			under = true
		} else if under && !strings.Contains(u, front+"/echo/") {
			t.Errorf("the page under /echo/ requested %s", u)
		}
	}
	if !under {
		t.Errorf("no request for the page under /echo/ among %q", urls)
	}
	// The server logged the browser as X-Forwarded-For named it (an
	// address without a port), not the proxy's connection.
	waitLogged(t, ta, `msg="websocket open" listener=http peer=127.0.0.1 `)
}
