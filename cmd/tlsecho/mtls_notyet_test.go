package main

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"
)

// TestMTLSRefusedNotYetValid: crypto/tls answers a client certificate
// that is not valid yet with the certificate_expired alert, as x509 has
// one reason for both ends of the validity ("certificate has expired or
// is not yet valid"); /hellos and the debug log say which end it is and
// when, and whose certificate, so that one issued on a machine whose
// clock runs ahead is not read as expired.
func TestMTLSRefusedNotYetValid(t *testing.T) {
	t.Parallel()
	ta, root, _ := mtlsApp(t)

	now := time.Now().UTC().Truncate(time.Second)
	future := now.Add(24 * time.Hour)
	past := now.Add(-24 * time.Hour)
	clientAuth := x509.ExtKeyUsageClientAuth
	fc, fkey := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Future Intermediate CA"}, NotBefore: future, NotAfter: future.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, root)
	inter := &issuer{fc, fkey}
	stamp := func(t time.Time) string { return t.Format(time.RFC3339) }

	tests := []struct {
		name   string
		cert   tls.Certificate
		want   []string // in the outcome and the debug log
		unwant []string
	}{
		{"client's own", root.client(t, "early", future, future.Add(time.Hour), clientAuth),
			[]string{"client certificate CN=early (issued by CN=Test Root CA; the only certificate sent) refused: not valid until " + stamp(future) + " (the server's time is "},
			[]string{"expired", "out of date"}},
		{"intermediate sent", inter.client(t, "eager", now.Add(-time.Hour), now.Add(time.Hour), clientAuth, inter),
			[]string{"client certificate CN=eager (issued by CN=Future Intermediate CA; 2 certificates sent) refused: not valid until " + stamp(future),
				"the certificate not valid yet is not the client's but the intermediate the client sent, CN=Future Intermediate CA (valid from " + stamp(future)},
			[]string{"expired", "out of date"}},
		{"client's own expired", root.client(t, "late", past.Add(-time.Hour), past, clientAuth),
			[]string{"client certificate CN=late (issued by CN=Test Root CA; the only certificate sent) refused: expired on " + stamp(past) + " (the server's time is "},
			[]string{"not valid until", "not yet valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert := tt.cert
			cfg := &tls.Config{InsecureSkipVerify: true, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }}
			local, err := refusedHandshake(t, ta.TLSAddr, cfg)
			if err == nil || !strings.Contains(err.Error(), "expired certificate") {
				t.Errorf("client error %v, want the alert certificate_expired", err)
			}
			outcome := outcomeOf(t, ta, local)
			line := waitLogged(t, ta, "peer="+local)
			for _, got := range []string{outcome, line} {
				for _, w := range tt.want {
					if !strings.Contains(got, w) {
						t.Errorf("%q lacks %q", got, w)
					}
				}
				for _, w := range tt.unwant {
					if strings.Contains(got, w) {
						t.Errorf("%q has %q", got, w)
					}
				}
			}
		})
	}
}
