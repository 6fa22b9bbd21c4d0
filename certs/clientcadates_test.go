package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestClientCARenewedNotWarned: a CA file that keeps an expired CA next
// to its renewal (same name, same key, new dates), as bundles do for a
// while after a renewal, lets the CA's clients in, so neither the start
// nor a reload warns that they are refused. The expired CA alone still
// gets the warning.
func TestClientCARenewedNotWarned(t *testing.T) {
	t.Parallel()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caCert := func(serial int64, notBefore, notAfter time.Time) (*x509.Certificate, []byte) {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "renewed.ca.test"},
			NotBefore: notBefore, NotAfter: notAfter,
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tmpl, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	_, expired := caCert(1, now.Add(-48*time.Hour), now.Add(-time.Hour))
	renewed, renewedPEM := caCert(2, now.Add(-time.Hour), now.Add(48*time.Hour))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "client.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, renewed, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	client := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}

	s, caFile := sourceTrusting(t, append(append([]byte{}, expired...), renewedPEM...))
	const warning = "every client certificate it issued is refused"
	logBuf := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logBuf, nil))
	s.WarnClientCADates(log)
	if _, err := mtlsDial(mtlsServer(t, s), client, nil); err != nil {
		t.Fatalf("client of the renewed CA: %v", err)
	}
	if got := logBuf.String(); strings.Contains(got, warning) {
		t.Errorf("start: warned of a CA whose renewal is in the same file:\n%s", got)
	}

	// A reload to the expired CA alone warns; back to both does not.
	for _, tt := range []struct {
		name string
		pem  []byte
		want bool
	}{
		{"expired alone", expired, true},
		{"expired and renewed", append(append([]byte{}, renewedPEM...), expired...), false},
	} {
		replaceByRename(t, caFile, tt.pem)
		logBuf := &testlog.Buffer{}
		if err := s.ReloadAndLog(slog.New(slog.NewTextHandler(logBuf, nil)), "test"); err != nil {
			t.Fatal(err)
		}
		if got := logBuf.String(); strings.Contains(got, warning) != tt.want {
			t.Errorf("reload, %s: warned %v, want %v; log:\n%s", tt.name, !tt.want, tt.want, got)
		}
	}
}
