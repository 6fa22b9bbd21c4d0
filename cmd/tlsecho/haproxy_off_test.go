package main

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHAProxyHeaderNotRead runs Debian's HAProxy sending PROXY headers (v2
// to the raw TLS port, v1 to the HTTPS port) to a server whose
// TLSECHO_PROXY_PROTOCOL is off. Clients through it fail their handshake,
// and /hellos says why in words that point at the header, not only
// crypto/tls's "first record does not look like a TLS handshake".
func TestHAProxyHeaderNotRead(t *testing.T) {
	t.Parallel()
	haproxy := needHAProxy(t)
	p := startProc(t, "TLSECHO_LOG_LEVEL=debug")
	tlsFront, httpsFront := freeAddr(t), freeAddr(t)
	cfg := haproxyTCPHead + fmt.Sprintf(`    timeout client 30s
    timeout server 30s
frontend tls
    bind %s
    default_backend tls
frontend https
    bind %s
    default_backend https
backend tls
    server s1 %s send-proxy-v2
backend https
    server s1 %s send-proxy
`, tlsFront, httpsFront, p.TLSAddr, p.HTTPSAddr)
	cfgFile := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startHAProxy(t, haproxy, cfgFile)
	waitAccepting(t, tlsFront)
	waitAccepting(t, httpsFront)

	client := &http.Client{Timeout: 5 * time.Second}
	for _, tt := range []struct{ listener, front string }{{"tls", tlsFront}, {"https", httpsFront}} {
		c, err := tls.Dial("tcp", tt.front, insecureTLS)
		if err == nil {
			c.Close()
			t.Fatalf("%s: a handshake through HAProxy's PROXY header succeeded on a server that reads none", tt.listener)
		}
		// The entry is added once the server has seen the header;
		// HAProxy may close the client first.
		deadline := time.Now().Add(10 * time.Second)
		var hellos []helloEntry
		for getJSON(t, client, "http://"+p.AdminAddr+"/hellos?listener="+tt.listener, &hellos); len(hellos) == 0; getJSON(t, client, "http://"+p.AdminAddr+"/hellos?listener="+tt.listener, &hellos) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no /hellos entry within 10s", tt.listener)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := hellos[0].Outcome; !strings.Contains(got, "PROXY protocol header, which this listener is not set to read") {
			t.Errorf("%s: /hellos outcome %q, want it to name the PROXY header", tt.listener, got)
		}
	}
}
