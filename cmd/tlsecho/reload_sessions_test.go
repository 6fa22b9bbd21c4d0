package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"
	"time"
)

// sessionOn connects to the server at addr with cache, on the raw port
// (an echo) or the HTTPS one (GET /healthz), and gives whether the session
// was resumed and the leaf the client holds for it.
func sessionOn(t *testing.T, addr string, https bool, cache tls.ClientSessionCache) (resumed bool, leaf *x509.Certificate) {
	t.Helper()
	cfg := &tls.Config{InsecureSkipVerify: true, ClientSessionCache: cache}
	if https {
		cfg.NextProtos = []string{"http/1.1"}
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	// Also takes in the TLS 1.3 ticket, which comes before the answer.
	if https {
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
		if _, err := io.ReadAll(c); err != nil {
			t.Fatalf("GET /healthz on %s: %v", addr, err)
		}
	} else {
		io.WriteString(c, "ticket\n")
		if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "ticket\n" {
			t.Fatalf("echo on %s: %q, %v", addr, line, err)
		}
	}
	st := c.ConnectionState()
	return st.DidResume, st.PeerCertificates[0]
}

// TestReloadEndsOldSessions: after a reload that serves a new certificate
// (here a renewal keeping its key), a client holding a session from
// before does a full handshake on either port and sees the new
// certificate, where resuming would have left it with the old one.
func TestReloadEndsOldSessions(t *testing.T) {
	t.Parallel()
	old, ta, certFile, keyFile := startWatchingPair(t)

	ports := []struct {
		name  string
		addr  string
		https bool
		cache tls.ClientSessionCache
	}{
		{"raw TLS", ta.TLSAddr, false, tls.NewLRUClientSessionCache(4)},
		{"HTTPS", ta.HTTPSAddr, true, tls.NewLRUClientSessionCache(4)},
	}
	for _, p := range ports {
		sessionOn(t, p.addr, p.https, p.cache)
		if resumed, leaf := sessionOn(t, p.addr, p.https, p.cache); !resumed || !leaf.Equal(old.leaf) {
			t.Fatalf("%s before the reload: resumed %v, holding %s; want a resumed session of old.test", p.name, resumed, leaf.Subject.CommonName)
		}
	}

	renewed := renewedWithSameKey(t, old, "renewed.test")
	installByRename(t, renewed.keyFile, keyFile)
	installByRename(t, renewed.certFile, certFile)
	waitServed(t, renewed.leaf, ta.TLSAddr, ta.HTTPSAddr)

	for _, p := range ports {
		resumed, leaf := sessionOn(t, p.addr, p.https, p.cache)
		if resumed || !leaf.Equal(renewed.leaf) {
			t.Errorf("%s after the reload: resumed %v, holding %s; want a full handshake presenting %s",
				p.name, resumed, leaf.Subject.CommonName, renewed.leaf.Subject.CommonName)
		}
	}
}
