package certs

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sessionDial handshakes with the server at addr in TLS version v (with
// client certificate cert, if it has one), reads its byte and the ticket
// that follows, and says whether the session was resumed and whose
// certificate the client holds for it.
func sessionDial(t *testing.T, addr string, v uint16, cert tls.Certificate, cache tls.ClientSessionCache) (resumed bool, cn string) {
	t.Helper()
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v, ClientSessionCache: cache}
	if cert.Certificate != nil {
		cfg.Certificates = []tls.Certificate{cert}
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	// TLS 1.3 sends the ticket after the handshake; the server's close
	// ends this read.
	c.Read(make([]byte, 1))
	st := c.ConnectionState()
	return st.DidResume, st.PeerCertificates[0].Subject.CommonName
}

// TestSessionsEndWithTheirCertificate: a reload that changes the
// certificate makes a client holding a session of the old one do a full
// handshake and see the new one, rather than resume and go on believing
// the server presents the old one; a reload of the same pair keeps the
// sessions. In TLS 1.2 and 1.3, with and without client certificates (the
// second hands handshakes copies of the configuration, see
// requireClientCerts).
func TestSessionsEndWithTheirCertificate(t *testing.T) {
	t.Parallel()
	for _, mtls := range []bool{false, true} {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			name := tls.VersionName(v)
			if mtls {
				name += "/client certificates"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				s, certFile, keyFile := loadedPair(t, dir, "old.test")
				var client tls.Certificate
				if mtls {
					ca := newMTLSCA(t, "one")
					caFile := filepath.Join(dir, "ca.pem")
					if err := os.WriteFile(caFile, ca.ca.CertPEM, 0o644); err != nil {
						t.Fatal(err)
					}
					if err := s.RequireClientCerts(caFile); err != nil {
						t.Fatal(err)
					}
					client = ca.client
				}
				addr := mtlsServer(t, s)
				cache := tls.NewLRUClientSessionCache(4)
				expect := func(step string, wantResumed bool, wantCN string) {
					t.Helper()
					resumed, cn := sessionDial(t, addr, v, client, cache)
					if resumed != wantResumed || cn != wantCN {
						t.Errorf("%s: resumed %v, the client holds %s's certificate; want resumed %v, %s", step, resumed, cn, wantResumed, wantCN)
					}
				}
				expect("first connection", false, "old.test")
				expect("second connection", true, "old.test")

				// The same pair again (a SIGHUP, a file touched).
				if err := s.Reload(); err != nil {
					t.Fatal(err)
				}
				expect("after a reload of the same pair", true, "old.test")

				_, _, g := writePair(t, t.TempDir(), "new", "new.test")
				replaceByRename(t, keyFile, g.KeyPEM)
				replaceByRename(t, certFile, g.CertPEM)
				if err := s.Reload(); err != nil {
					t.Fatal(err)
				}
				expect("after a reload of a new pair", false, "new.test")
				expect("the connection after that", true, "new.test")
			})
		}
	}
}
