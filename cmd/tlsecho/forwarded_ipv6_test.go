package main

import (
	"net"
	"net/http"
	"testing"
)

// needIPv6 skips the test on a machine without an IPv6 loopback, found by
// trying to listen on it.
func needIPv6(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	ln.Close()
}

// TestPlainHTTPForwardedIPv6: the plain HTTP listener on [::1], behind a
// trusted proxy on ::1 that writes its IPv6 client in brackets without a
// port ("[2001:db8::1]", as some proxies and RFC 7239 do) and appends its
// scheme to X-Forwarded-Proto. /info names that client, and the scheme is
// the last X-Forwarded-Proto value, the proxy's own: an "https" the
// client sent ahead of it over plain http does not turn the page to
// wss://, and an "https" the proxy wrote does.
func TestPlainHTTPForwardedIPv6(t *testing.T) {
	t.Parallel()
	needIPv6(t)
	ta := startApp(t, map[string]string{"HTTP_ADDR": "[::1]:0", "PROXY_TRUSTED": "::1"})
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()
	url := "http://" + ta.HTTPAddr + "/info"

	c := getInfo(t, client, url, map[string]string{
		"X-Forwarded-For":   "198.51.100.7, [2001:db8::1]",
		"X-Forwarded-Proto": "https, http",
	}).Client
	if c.Address != "2001:db8::1" || c.Scheme != "http" || c.TLSTerminatedUpstream {
		t.Errorf("/info through a proxy on ::1 that appended http after the client's https: %+v; want client 2001:db8::1, over http", c)
	}
	if host, _, err := net.SplitHostPort(c.Proxy); err != nil || host != "::1" {
		t.Errorf("/info proxy %q, want [::1]:port", c.Proxy)
	}

	c = getInfo(t, client, url, map[string]string{
		"X-Forwarded-For":   "[2001:db8::1]",
		"X-Forwarded-Proto": "http, https",
	}).Client
	if c.Address != "2001:db8::1" || c.Scheme != "https" || !c.TLSTerminatedUpstream {
		t.Errorf("/info through a proxy on ::1 that appended https: %+v; want client 2001:db8::1, TLS ended upstream", c)
	}
}
