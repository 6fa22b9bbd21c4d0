package main

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzClientURL: parseClientURL accepts a URL only when the address it
// dials is the host and port the URL names, and refuses anything else
// with one line that quotes the URL.
func FuzzClientURL(f *testing.F) {
	for _, s := range []string{
		"tls://localhost:8433", "wss://localhost:8443/ws", "wss://example.test/ws?x=1", "tls://[::1]:8433",
		"tls://127.0.0.1", "tls://h:8433/path", "tls://h:8433?q", "tls://h:8433#f", "https://h/", "tls://u@h:1",
		"tls://:8433", "tls://h:0", "tls://h:65536", "wss://[fe80::1%25eth0]:8443/ws", "wss://h:08443", "tls://h:",
		"tls://%68:1", "tls://h:1\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		target, err := parseClientURL(raw)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error spans lines: %q", msg)
			}
			if !strings.Contains(msg, strconv.Quote(raw)) {
				t.Fatalf("error %q does not quote the URL", msg)
			}
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", raw, err)
		}
		if target.scheme != "tls" && target.scheme != "wss" {
			t.Fatalf("accepted scheme %q", target.scheme)
		}
		host, port, err := net.SplitHostPort(target.addr)
		if err != nil || host == "" || host != target.host || host != u.Hostname() {
			t.Fatalf("%q dials %q (host %q), not the URL's host %q", raw, target.addr, target.host, u.Hostname())
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("%q dials port %q", raw, port)
		}
		if want := u.Port(); want != "" && port != want {
			t.Fatalf("%q dials port %q, not the URL's %q", raw, port, want)
		}
		if target.scheme == "tls" && (u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "") {
			t.Fatalf("tls URL %q accepted with a default port, path, query or fragment, which raw TLS cannot use", raw)
		}
		if u.User != nil {
			t.Fatalf("%q accepted with user information", raw)
		}
	})
}
