package certs

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestTLSConfigVersionsAndSuites: the served configuration takes TLS 1.2
// at least, refusing an older client for its version, and in TLS 1.2 only
// ECDHE with AEAD ciphers, for an ECDSA and an RSA certificate alike, as
// the README's list of promises says.
func TestTLSConfigVersionsAndSuites(t *testing.T) {
	var notAEAD []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if !strings.Contains(s.Name, "_GCM_") && !strings.Contains(s.Name, "CHACHA20") {
			notAEAD = append(notAEAD, s.ID)
		}
	}
	for _, useRSA := range []bool{false, true} {
		kind := map[bool]string{false: "ECDSA", true: "RSA"}[useRSA]
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			g, err := Generate(GenerateOptions{Hosts: []string{"localhost"}, RSA: useRSA})
			if err != nil {
				t.Fatal(err)
			}
			addr := mtlsServer(t, NewStatic(g.Cert))
			dial := func(cfg *tls.Config) (tls.ConnectionState, error) {
				cfg.InsecureSkipVerify = true
				c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
				if err != nil {
					return tls.ConnectionState{}, err
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
					return tls.ConnectionState{}, err
				}
				return c.ConnectionState(), nil
			}
			if _, err := dial(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil ||
				!strings.Contains(err.Error(), "protocol version") {
				t.Errorf("a TLS 1.1 client: %v, want refused with a protocol_version alert", err)
			}
			if _, err := dial(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: notAEAD}); err == nil {
				t.Errorf("a TLS 1.2 client offering only %d suites without AEAD was served", len(notAEAD))
			}
			cs, err := dial(&tls.Config{MaxVersion: tls.VersionTLS12})
			name := tls.CipherSuiteName(cs.CipherSuite)
			if err != nil || !strings.HasPrefix(name, "TLS_ECDHE_"+kind+"_WITH_") {
				t.Errorf("a TLS 1.2 client: %s, %v; want an ECDHE_%s suite", name, err, kind)
			}
		})
	}
}
