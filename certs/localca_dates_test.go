package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadOrMakeCADates: a local CA out of its dates is refused with the
// date that is wrong and what to do, and left in place: an expired one
// would have every leaf it issues refused by clients, and one not valid
// yet tells of a clock that is wrong.
func TestLoadOrMakeCADates(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tt := range []struct {
		name                string
		notBefore, notAfter time.Time
		want                string
	}{
		{"expired", now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), "expired on " + now.Add(-24*time.Hour).UTC().Format(time.DateOnly)},
		{"not valid yet", now.Add(24 * time.Hour), now.Add(48 * time.Hour), "is not valid until " + now.Add(24*time.Hour).UTC().Format(time.RFC3339)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dated CA"},
				NotBefore: tt.notBefore, NotAfter: tt.notAfter, IsCA: true, BasicConstraintsValid: true,
				KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
			certPEM, keyPEM := selfSignedPEM(t, tmpl, key)
			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
			if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			ca, created, err := LoadOrMakeCA(certFile, keyFile, false)
			if err == nil || ca != nil || created || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "move ca.pem and ca-key.pem away to make a new one") {
				t.Fatalf("CA %v, created %v, error %v; want refused, %q", ca != nil, created, err, tt.want)
			}
			if got, _ := os.ReadFile(certFile); !bytes.Equal(got, certPEM) {
				t.Error("the CA file was replaced")
			}
		})
	}
}
