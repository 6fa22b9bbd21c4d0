package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tlsecho/tlsecho/certs"
)

// TestBrowserBehindTLSProxy puts HAProxy in HTTP mode in front of the
// plain HTTP listener, ending TLS and adding X-Forwarded-For and
// X-Forwarded-Proto, as an ingress does, and drives the page in Chromium
// over https: the page connects to wss:// (a ws:// URL from an https page
// would be blocked as mixed content), echoes, and says TLS was terminated
// upstream and who the browser is.
func TestBrowserBehindTLSProxy(t *testing.T) {
	t.Parallel()
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (apt-get install haproxy; the README's test command does)")
	}
	watch := &pageWatch{}
	ctx := newBrowser(t, watch) // skips without Chromium
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_TRUSTED": "127.0.0.1"})

	dir := t.TempDir()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	pem := filepath.Join(dir, "proxy.pem") // HAProxy wants the pair in one file
	if err := os.WriteFile(pem, append(g.CertPEM, g.KeyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
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
    default_backend echo
frontend stats
    bind %s
    stats enable
    stats uri /
backend echo
    option httpchk GET /healthz
    server tlsecho %s check inter 100ms
`, front, pem, stats, ta.HTTPAddr)
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startHAProxy(t, haproxy, cfgFile)
	waitChecked(t, "http://"+stats+"/;csv", 1)

	poll := func(what, expr string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			problems, _ := watch.snapshot()
			t.Fatalf("waiting for %s: %v (page problems so far: %q)", what, err, problems)
		}
		return s
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse("https://"+front+"/")); err != nil {
		t.Fatalf("load the page through the proxy: %v", err)
	}
	poll("the info panel", `document.getElementById("info").dataset.loaded === "true" ? "yes" : ""`)
	if got := text("#info-tls"); !strings.Contains(got, "terminated upstream") {
		t.Errorf("info TLS = %q, want it to say TLS ended upstream", got)
	}
	if got := text("#info-peer"); !strings.HasPrefix(got, "127.0.0.1 ") || !strings.Contains(got, "forwarded by proxy 127.0.0.1:") {
		t.Errorf("info peer = %q, want the browser's address, forwarded by the proxy", got)
	}
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("url").value`))
	if err != nil || url != "wss://"+front+"/ws" {
		t.Errorf("default URL = %q (%v), want wss://%s/ws", url, err, front)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#connect-btn"))); err != nil {
		t.Fatal(err)
	}
	poll("state open", `document.getElementById("state").dataset.state === "open" ? "open" : ""`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#text-msg"), "through the ingress\n")); err != nil {
		t.Fatal(err)
	}
	poll("the echo", recvLine(`b === "through the ingress"`))

	problems, urls := watch.snapshot()
	for _, p := range problems {
		t.Errorf("page problem: %s", p)
	}
	checkSameOrigin(t, front, urls)
	// The server logged the browser as X-Forwarded-For named it (an
	// address without a port), not the proxy's connection.
	waitLogged(t, ta, `msg="websocket open" listener=ws peer=127.0.0.1 `)
}
