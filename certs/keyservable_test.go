package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestServableKeysAtTheBounds: the keys at the edges of what Go signs TLS
// handshakes with, ECDSA P-384 and P-521 and RSA of 1,024 bits, load and
// serve a handshake: refusing them would refuse a working pair.
func TestServableKeysAtTheBounds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		key  func() (crypto.Signer, error)
	}{
		{"ECDSA P-384", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P384(), rand.Reader) }},
		{"ECDSA P-521", func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P521(), rand.Reader) }},
		{"RSA 1024", func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 1024) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, err := tt.key()
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
				DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
			certPEM, keyPEM := selfSignedPEM(t, tmpl, key)
			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
			if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadFiles(certFile, keyFile)
			if err != nil {
				t.Fatalf("LoadFiles: %v", err)
			}
			addr := mtlsServer(t, s)
			for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
				c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
					&tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v})
				if err == nil {
					c.SetDeadline(time.Now().Add(5 * time.Second))
					_, err = io.ReadFull(c, make([]byte, 1))
					c.Close()
				}
				if err != nil {
					t.Errorf("%s: %v", tls.VersionName(v), err)
				}
			}
		})
	}
}
