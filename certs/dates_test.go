package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// datedPEM is a self-signed certificate for host valid from notBefore to
// notAfter, and its key, in PEM: Generate always dates from now.
func datedPEM(t *testing.T, host string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	return selfSignedPEM(t, tmpl, key)
}

// selfSignedPEM is the certificate tmpl describes, signed by key itself,
// and key, in PEM (PKCS #8), for tests that need a certificate Generate
// does not make.
func selfSignedPEM(t *testing.T, tmpl *x509.Certificate, key crypto.Signer) (certPEM, keyPEM []byte) {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// TestReloadWarnsOfDates: a reloaded certificate that clients will refuse
// for its dates alone is served, as given, with a warning that says which
// date is wrong; one within its dates gets no warning.
func TestReloadWarnsOfDates(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tt := range []struct {
		name          string
		from, until   time.Time
		want, wantNot string
	}{
		{"expired", now.Add(-48 * time.Hour), now.Add(-time.Hour), "reloaded certificate has expired", "not valid yet"},
		{"not yet valid", now.Add(time.Hour), now.Add(48 * time.Hour), "reloaded certificate is not valid yet", "has expired"},
		{"valid", now.Add(-time.Hour), now.Add(48 * time.Hour), "certificate reloaded", "clients will refuse it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s, certFile, keyFile := loadedPair(t, dir, "old.test")
			certPEM, keyPEM := datedPEM(t, "dated.test", tt.from, tt.until)
			if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			logBuf := &testlog.Buffer{}
			if err := s.ReloadAndLog(slog.New(slog.NewTextHandler(logBuf, nil)), "test"); err != nil {
				t.Fatal(err)
			}
			if got := s.Leaf().Subject.CommonName; got != "dated.test" {
				t.Errorf("serving %q, want dated.test", got)
			}
			logText := logBuf.String()
			if !strings.Contains(logText, tt.want) || strings.Contains(logText, tt.wantNot) {
				t.Errorf("log wants %q and not %q:\n%s", tt.want, tt.wantNot, logText)
			}
		})
	}
}
