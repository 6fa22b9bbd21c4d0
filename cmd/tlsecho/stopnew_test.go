package main

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestSIGTERMWithUnusedPageConnections: browsers open connections before
// they have a request for them (preconnections). net/http serves no
// request it reads once its Shutdown has begun, yet took such a
// connection for idle only 5 s after its accept, so a stop with a browser
// nearby took 5 s whatever there was to drain.
func TestSIGTERMWithUnusedPageConnections(t *testing.T) {
	t.Parallel()
	p := startProc(t, "TLSECHO_HTTP_ADDR=127.0.0.1:0")
	d := &net.Dialer{Timeout: 5 * time.Second}
	unusedTLS, err := tls.DialWithDialer(d, "tcp", p.HTTPSAddr, insecureTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer unusedTLS.Close()
	unusedPlain, err := d.Dial("tcp", p.HTTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer unusedPlain.Close()
	// A request answered on each port after them: each port's server
	// takes its connections in order, so it has taken the unused one.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: insecureTLS, DisableKeepAlives: true}}
	for _, u := range []string{"https://" + p.HTTPSAddr + "/healthz", "http://" + p.HTTPAddr + "/healthz"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	sigtermWithin(t, p, 2*time.Second)
}
