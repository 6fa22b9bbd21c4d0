package main

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMTLSRefusalsOfUnusualCertificates: a refused client certificate
// with no subject, as SPIFFE's X.509-SVIDs often are, is named by its
// first alternative name, and neither a self-signed one nor one whose
// issuer's name is that of a client CA with another key is said to lack
// an intermediate.
func TestMTLSRefusalsOfUnusualCertificates(t *testing.T) {
	t.Parallel()
	ta, _, other := mtlsApp(t)

	from, to := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	spiffe, _ := url.Parse("spiffe://example.org/ns/default/sa/alice")
	svid, svidKey := issue(t, &x509.Certificate{
		URIs: []*url.URL{spiffe}, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, other)
	self, selfKey := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "bob"}, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, nil)

	impostor := newIssuer(t, "Test Root CA", nil).client(t, "carol", from, to, x509.ExtKeyUsageClientAuth)
	// "CN=" and 252 bytes, then a character of two whose first byte is
	// the 256th, the last the name keeps.
	longName := strings.Repeat("a", 252) + "é" + "zz"
	long, longKey := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: longName}, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, nil)

	tests := []struct {
		name   string
		cert   tls.Certificate
		want   []string // in the outcome and the debug log
		unwant string
	}{
		{"no subject", tls.Certificate{Certificate: [][]byte{svid.Raw}, PrivateKey: svidKey},
			[]string{"client certificate URI:spiffe://example.org/ns/default/sa/alice (issued by CN=Other CA; the only certificate sent)"},
			"client certificate  ("},
		{"self-signed", tls.Certificate{Certificate: [][]byte{self.Raw}, PrivateKey: selfKey},
			[]string{"client certificate CN=bob (issued by CN=bob; the only certificate sent)", "self-signed, so it is let in only when it is itself in the client CA file"},
			"intermediate"},
		{"CA of the same name", impostor,
			[]string{"client certificate CN=carol (issued by CN=Test Root CA; the only certificate sent)", "a client CA of that name is in the client CA file but did not sign it"},
			"intermediate"},
		{"long name cut between characters", tls.Certificate{Certificate: [][]byte{long.Raw}, PrivateKey: longKey},
			[]string{"client certificate CN=" + longName[:252] + "... (issued by CN="},
			"\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := tt.cert
			cfg := &tls.Config{InsecureSkipVerify: true, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }}
			local, err := refusedHandshake(t, ta.TLSAddr, cfg)
			if err == nil || !strings.Contains(err.Error(), "unknown certificate authority") {
				t.Errorf("client error %v, want the alert unknown_ca", err)
			}
			outcome := outcomeOf(t, ta, local)
			line := waitLogged(t, ta, "peer="+local)
			for _, got := range []string{outcome, line} {
				for _, w := range tt.want {
					if !strings.Contains(got, w) {
						t.Errorf("%q lacks %q", got, w)
					}
				}
				if strings.Contains(got, tt.unwant) {
					t.Errorf("%q has %q", got, tt.unwant)
				}
			}
		})
	}
}

// TestMTLSRefusedByExpiredCA: a client certificate refused because the
// client CA that issued it has expired, or an intermediate the client
// sent, says whose certificate is out of date: x509's "certificate has
// expired or is not yet valid: current time ... is after ...", after
// the client's name, reads as the client's own.
func TestMTLSRefusedByExpiredCA(t *testing.T) {
	t.Parallel()
	caFile, client := expiredCA(t)
	ta := startApp(t, map[string]string{"CLIENT_CA_FILE": caFile})

	root := newIssuer(t, "Test Root CA", nil)
	rootFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(rootFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := startApp(t, map[string]string{"CLIENT_CA_FILE": rootFile})
	old, oldKey := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Old Intermediate CA"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, root)
	inter := &issuer{old, oldKey}
	now := time.Now()
	chained := inter.client(t, "dave", now.Add(-time.Hour), now.Add(time.Hour), x509.ExtKeyUsageClientAuth, inter)
	// A client that sends its CA after its certificate, as one made by
	// tlsecho cert -ca does (its cert.pem holds the CA too).
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	caBlock, _ := pem.Decode(caPEM)
	withCA := client
	withCA.Certificate = [][]byte{client.Certificate[0], caBlock.Bytes}

	tests := []struct {
		name string
		app  *testApp
		cert tls.Certificate
		want string
	}{
		{"client CA", ta, client, "the certificate out of date is not the client's but the client CA CN=expired test CA (valid from "},
		{"client CA sent too", ta, withCA, "the certificate out of date is not the client's but the client CA CN=expired test CA (valid from "},
		{"intermediate sent", tb, chained, "the certificate out of date is not the client's but the intermediate the client sent, CN=Old Intermediate CA (valid from "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := tt.cert
			cfg := &tls.Config{InsecureSkipVerify: true, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }}
			local, err := refusedHandshake(t, tt.app.TLSAddr, cfg)
			if err == nil || !strings.Contains(err.Error(), "expired certificate") {
				t.Errorf("client error %v, want the alert certificate_expired", err)
			}
			if outcome := outcomeOf(t, tt.app, local); !strings.Contains(outcome, tt.want) {
				t.Errorf("outcome %q lacks %q", outcome, tt.want)
			}
		})
	}
}
