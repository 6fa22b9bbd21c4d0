package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCADated writes DIR/ca.pem and DIR/ca-key.pem: a CA valid from
// notBefore to notAfter, as one made on a machine whose clock was wrong.
func writeCADated(t *testing.T, dir string, notBefore, notAfter time.Time) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dated CA"},
		NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCertCANotValidYet: a local CA whose validity starts later (made
// where the clock ran ahead) is refused with its start and this machine's
// time, and nothing is written. It issued, without a word, a certificate
// no client verified until the CA's start ("certificate is not yet
// valid" at depth 1), as an expired CA is refused already.
func TestCertCANotValidYet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	writeCADated(t, dir, start, start.Add(365*24*time.Hour))
	code, _, stderr := certRun(t, "-ca", "-days", "30", "-out", dir)
	if code != exitFailure {
		leaf := certParse(t, filepath.Join(dir, "cert.pem"))
		_, err := leaf.Verify(x509.VerifyOptions{Roots: certPool(t, filepath.Join(dir, "ca.pem")), DNSName: "localhost"})
		t.Fatalf("exit %d, stderr %q; want %d: the certificate written verifies with: %v", code, stderr, exitFailure, err)
	}
	for _, want := range []string{"not valid until " + start.Format(time.RFC3339), "clock"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	for _, name := range []string{"cert.pem", "key.pem"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was written", name)
		}
	}
}
