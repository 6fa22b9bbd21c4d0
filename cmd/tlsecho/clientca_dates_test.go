package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
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

// expiredCA writes a CA certificate that expired yesterday, and returns
// its file and a client certificate it issued that is itself in date.
func expiredCA(t *testing.T) (caFile string, client tls.Certificate) {
	t.Helper()
	return caExpiring(t, time.Now().Add(-24*time.Hour))
}

// caExpiring writes a CA certificate valid until notAfter, and returns its
// file and a client certificate it issued that is in date for a day.
func caExpiring(t *testing.T, notAfter time.Time) (caFile string, client tls.Certificate) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "expired test CA"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caTmpl, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestClientCAExpiredWarned: a client CA that has expired refuses every
// client certificate it issued, each refusal reading "certificate has
// expired" as if the client's were; the server says at start that the CA
// in its own file is the one out of date.
func TestClientCAExpiredWarned(t *testing.T) {
	t.Parallel()
	caFile, client := expiredCA(t)
	ta := startApp(t, map[string]string{"CLIENT_CA_FILE": caFile})
	line := waitLogged(t, ta, "client CA certificate has expired")
	for _, want := range []string{"every client certificate it issued is refused", caFile, "CN=expired test CA"} {
		if !strings.Contains(line, want) {
			t.Errorf("warning %q lacks %q", line, want)
		}
	}
	raw, _, _ := letIn(ta.TLSAddr, ta.HTTPSAddr, ta.clientTLS(), client)
	if raw == nil || !strings.Contains(raw.Error(), "expired") {
		t.Errorf("client of the expired CA: %v, want refused as expired", raw)
	}
}

// TestClientCAExpiresWhileServing: a client CA that expires while the
// server runs is warned of at that moment, not only at the next start:
// from then on every client it issued is refused as "expired", which
// reads as the client's fault.
func TestClientCAExpiresWhileServing(t *testing.T) {
	t.Parallel()
	// x509 keeps whole seconds; the CA is valid through its NotAfter.
	notAfter := time.Now().Add(6 * time.Second).Truncate(time.Second)
	caFile, client := caExpiring(t, notAfter)
	ta := startApp(t, map[string]string{"CLIENT_CA_FILE": caFile})
	if time.Now().After(notAfter) {
		t.Skip("the server took longer to start than the CA had left to live; the start's own warning is TestClientCAExpiredWarned's")
	}
	if strings.Contains(ta.Log.String(), "client CA certificate has expired") {
		t.Fatalf("warned at start of a CA still in date:\n%s", ta.Log.String())
	}
	line := waitLogged(t, ta, "client CA certificate has expired")
	if !time.Now().After(notAfter) {
		t.Fatalf("warned before the CA expired (%v): %s", notAfter, line)
	}
	for _, want := range []string{"every client certificate it issued is refused", caFile, "CN=expired test CA"} {
		if !strings.Contains(line, want) {
			t.Errorf("warning %q lacks %q", line, want)
		}
	}
	raw, _, _ := letIn(ta.TLSAddr, ta.HTTPSAddr, ta.clientTLS(), client)
	if raw == nil || !strings.Contains(raw.Error(), "expired") {
		t.Errorf("client of the CA once expired: %v, want refused as expired", raw)
	}
	if n := strings.Count(ta.Log.String(), "client CA certificate has expired"); n != 1 {
		t.Errorf("warned %d times, want once", n)
	}
}
