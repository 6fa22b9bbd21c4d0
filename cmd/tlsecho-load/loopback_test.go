package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoopbackAtConnect: without -remote no connection leaves loopback,
// whatever the command line's names passed. A -metrics server on
// 127.0.0.1 that redirects the scrape to 0.0.0.0 (an address the command
// line refuses as not loopback; connecting to it reaches this machine,
// so the test sends nothing elsewhere) is not followed there, and a
// target dialled at such an address is refused too.
func TestLoopbackAtConnect(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte("go_goroutines 1\n"))
	}))
	defer other.Close()
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
	redirect := httptest.NewServer(http.RedirectHandler("http://0.0.0.0:"+port+"/metrics", http.StatusFound))
	defer redirect.Close()

	p := newProbe(0, redirect.URL+"/metrics", false)
	if s := p.sample(); s.ok || s.err == nil || !strings.Contains(s.err.Error(), "not a loopback address") {
		t.Errorf("scrape redirected to 0.0.0.0: ok %v, error %v; want it refused as not loopback", s.ok, s.err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed: %d scrapes reached 0.0.0.0:%s", n, port)
	}
	if s := newProbe(0, redirect.URL+"/metrics", true).sample(); !s.ok || s.goroutines != 1 {
		t.Errorf("with -remote the redirect is the server's business: ok %v, goroutines %d, %v", s.ok, s.goroutines, s.err)
	}

	// A proxy on loopback would pass the check and forward anywhere.
	if tr := newProbe(0, redirect.URL, false).client.Transport.(*http.Transport); tr.Proxy != nil {
		t.Error("the scrape without -remote takes a proxy from the environment")
	}

	cert, caFile := testCert(t)
	target := (&faultyEcho{}).serveRaw(t, cert)
	_, port, _ = net.SplitHostPort(strings.TrimPrefix(target, "tls://"))
	o, err := parse([]string{"-ca", caFile, target}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientTLS(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"tls", "wss"} {
		u := &url.URL{Scheme: scheme, Host: "0.0.0.0:" + port, Path: "/ws"}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := newDialer(u, cfg, 5*time.Second, false).dial(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			if c != nil {
				c.abort()
			}
			t.Errorf("%s dialled at 0.0.0.0: %v; want it refused as not loopback", scheme, err)
		}
	}
}
