package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// haproxyCheckTests are the PROXY headers HAProxy's plain TCP check sends
// before it closes: v2 a LOCAL header, v1 (which has no LOCAL) a TCP4
// header naming the check connection's own endpoints.
var haproxyCheckTests = []struct {
	name, sendProxy, outcome string
}{
	{"v2 LOCAL", "send-proxy-v2", "none"},
	{"v1 own endpoints", "send-proxy", "client"},
}

// TestHAProxyTCPCheck runs Debian's HAProxy with a plain TCP check (check
// with a send-proxy option and no httpchk: a header, then a close) against
// both TLS ports of a server that requires PROXY headers. The checks are
// counted by the PROXY stage, and are neither handshake failures nor
// entries of /hellos, which keep a real client that came through HAProxy.
func TestHAProxyTCPCheck(t *testing.T) {
	t.Parallel()
	haproxy := needHAProxy(t)
	for _, tt := range haproxyCheckTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testHAProxyTCPCheck(t, haproxy, tt.sendProxy, tt.outcome)
		})
	}
}

func testHAProxyTCPCheck(t *testing.T, haproxy, sendProxy, outcome string) {
	p := startProc(t, "TLSECHO_PROXY_PROTOCOL=require", "TLSECHO_PROXY_TRUSTED=127.0.0.1", "TLSECHO_LOG_LEVEL=debug")
	tlsFront, httpsFront := freeAddr(t), freeAddr(t)
	cfg := haproxyTCPHead + fmt.Sprintf(`    timeout client 1m
    timeout server 1m
    timeout check 5s
frontend tls
    bind %s
    default_backend tls
frontend https
    bind %s
    default_backend https
backend tls
    server s1 %s check inter 100ms %s
backend https
    server s1 %s check inter 100ms %s
`, tlsFront, httpsFront, p.TLSAddr, sendProxy, p.HTTPSAddr, sendProxy)
	cfgFile := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startHAProxy(t, haproxy, cfgFile)

	// Wait for three checks on each port, as the PROXY stage counts them.
	client := &http.Client{Timeout: 5 * time.Second}
	checks := func(body, listener string) int {
		m := regexp.MustCompile(`(?m)^tlsecho_proxy_headers_total\{listener="` + listener + `",outcome="` + outcome + `"\} (\d+)$`).FindStringSubmatch(body)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	var body string
	deadline := time.Now().Add(15 * time.Second)
	for body = scrapeMetrics(t, client, p.AdminAddr); checks(body, "tls") < 3 || checks(body, "https") < 3; body = scrapeMetrics(t, client, p.AdminAddr) {
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy's checks were not counted within 15s:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, l := range []string{"tls", "https"} {
		if want := `tlsecho_tls_handshake_failures_total{listener="` + l + `"} 0`; !strings.Contains(body, want+"\n") {
			t.Errorf("health checks counted as handshake failures; want %s in:\n%s", want, grepLines(body, "handshake_failures"))
		}
	}
	var hellos []helloEntry
	getJSON(t, client, "http://"+p.AdminAddr+"/hellos", &hellos)
	if len(hellos) != 0 {
		t.Errorf("/hellos holds %d entries after health checks only, want none: first %+v", len(hellos), hellos[0])
	}
	for range p.waitLog(t, "load balancer health check", 5*time.Second) {
	}

	// A client through HAProxy is recorded, under its own address.
	c, err := tls.Dial("tcp", tlsFront, insecureTLS)
	if err != nil {
		t.Fatalf("raw TLS through HAProxy: %v", err)
	}
	defer c.Close()
	echoLine(t, c, "through haproxy\n")
	getJSON(t, client, "http://"+p.AdminAddr+"/hellos", &hellos)
	if len(hellos) != 1 || hellos[0].Peer != c.LocalAddr().String() || hellos[0].Outcome != "ok" {
		t.Errorf("/hellos after a client through HAProxy: %+v, want one ok entry for %s", hellos, c.LocalAddr())
	}
}
