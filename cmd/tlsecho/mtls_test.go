package main

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// mtlsSetup makes, with `tlsecho cert -ca`, a local CA, a server pair and
// a client pair issued by it, and returns their paths.
func mtlsSetup(t *testing.T) (dir, caFile, serverCert, serverKey string, client tls.Certificate) {
	t.Helper()
	dir = t.TempDir()
	certMust(t, "-ca", "-hosts", "localhost,127.0.0.1", "-out", dir)
	serverCert, serverKey = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	if err := os.Rename(filepath.Join(dir, "cert.pem"), serverCert); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "key.pem"), serverKey); err != nil {
		t.Fatal(err)
	}
	out := certMust(t, "-ca", "-hosts", "client.tlsecho.test", "-out", dir)
	if !strings.Contains(out, "Using the local CA") {
		t.Fatalf("the client certificate was not issued by the same CA:\n%s", out)
	}
	client, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, "ca.pem"), serverCert, serverKey, client
}

// TestMTLS: with TLSECHO_CLIENT_CA_FILE set to a CA from `tlsecho cert -ca`,
// both ports refuse clients without a certificate or with one from another
// CA, echo for a client whose certificate the CA issued, and log that
// client's subject.
func TestMTLS(t *testing.T) {
	t.Parallel()
	_, caFile, serverCert, serverKey, client := mtlsSetup(t)
	ta := startApp(t, map[string]string{"CERT_FILE": serverCert, "KEY_FILE": serverKey, "CLIENT_CA_FILE": caFile})
	roots := certPool(t, caFile)

	stranger, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"client.tlsecho.test"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		certs   []tls.Certificate
		version uint16 // client's max; 0: Go's default (1.3)
		ok      bool
	}{
		{"no client certificate", nil, 0, false},
		{"no client certificate, tls1.2", nil, tls.VersionTLS12, false},
		{"certificate from another CA", []tls.Certificate{*stranger.Cert}, 0, false},
		{"certificate issued by the CA", []tls.Certificate{client}, 0, true},
		{"certificate issued by the CA, tls1.2", []tls.Certificate{client}, tls.VersionTLS12, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := func() *tls.Config {
				return &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: tt.certs, MaxVersion: tt.version}
			}
			t.Run("raw TLS", func(t *testing.T) {
				if tt.ok {
					ta.echoOnce(t, cfg(), "mutual\n")
					return
				}
				// In TLS 1.3 the client finishes its handshake before the
				// server has checked its certificate, so the refusal can
				// first show on the read.
				d := &net.Dialer{Timeout: 5 * time.Second}
				c, err := tls.DialWithDialer(d, "tcp", ta.TLSAddr, cfg())
				if err != nil {
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, "let me in\n")
				buf := make([]byte, 16)
				if n, err := c.Read(buf); err == nil {
					t.Errorf("refused client read %q from the echo", buf[:n])
				} else if strings.Contains(err.Error(), "timeout") {
					t.Errorf("refused client was left hanging: %v", err)
				}
			})
			t.Run("HTTPS", func(t *testing.T) {
				err := certHealthz(ta.HTTPSAddr, cfg())
				if tt.ok && err != nil {
					t.Errorf("GET /healthz: %v", err)
				}
				if !tt.ok && err == nil {
					t.Error("GET /healthz succeeded without a valid client certificate")
				}
			})
			t.Run("wss", func(t *testing.T) {
				c, err := certDialWSS(ta.HTTPSAddr, cfg())
				if !tt.ok {
					if err == nil {
						c.Close()
						t.Error("wss upgrade succeeded without a valid client certificate")
					}
					return
				}
				if err != nil {
					t.Fatalf("wss dial: %v", err)
				}
				defer c.Close()
				certWSEcho(t, c, "mutual over wss")
			})
		})
	}

	// Both ports log who the client was, from its verified certificate.
	logText := ta.Log.String()
	wantClient := `client="CN=client.tlsecho.test,O=tlsecho"`
	for _, where := range []string{"msg=handshake", `msg="wss client certificate"`} {
		found := false
		for _, line := range strings.Split(logText, "\n") {
			if strings.Contains(line, where) && strings.Contains(line, wantClient) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no %s log line with %s:\n%s", where, wantClient, logText)
		}
	}
}
