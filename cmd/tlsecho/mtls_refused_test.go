package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// issuer is a test CA, root or intermediate, that issues client
// certificates.
type issuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// mtlsApp starts a server whose client CA file holds a root CA, and
// returns it with that root and another CA the server does not trust.
func mtlsApp(t *testing.T) (ta *testApp, root, other *issuer) {
	t.Helper()
	root, other = newIssuer(t, "Test Root CA", nil), newIssuer(t, "Other CA", nil)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return startApp(t, map[string]string{"CLIENT_CA_FILE": caFile}), root, other
}

// newIssuer makes a CA named cn, signed by parent or self-signed when
// parent is nil.
func newIssuer(t *testing.T, cn string, parent *issuer) *issuer {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	c, key := issue(t, tmpl, parent)
	return &issuer{c, key}
}

// issue signs tmpl with parent (self-signed when nil) over a new key.
func issue(t *testing.T, tmpl *x509.Certificate, parent *issuer) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// client issues a client certificate for cn valid from notBefore to
// notAfter with the extended key usage eku, and returns it as a client
// presents it: the leaf followed by chain.
func (ca *issuer) client(t *testing.T, cn string, notBefore, notAfter time.Time, eku x509.ExtKeyUsage, chain ...*issuer) tls.Certificate {
	t.Helper()
	c, key := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{eku},
	}, ca)
	out := tls.Certificate{Certificate: [][]byte{c.Raw}, PrivateKey: key, Leaf: c}
	for _, i := range chain {
		out.Certificate = append(out.Certificate, i.cert.Raw)
	}
	return out
}

// TestMTLSRefusalsNamed: each refused client certificate is answered
// with the alert for its reason, and /hellos and the debug log name the
// certificate, its issuer and what the client sent, so that a
// certificate of the right CA sent without its intermediate does not read
// like one of a CA the server does not trust. Each counts as one failed
// handshake.
func TestMTLSRefusalsNamed(t *testing.T) {
	t.Parallel()
	ta, root, other := mtlsApp(t)
	inter := newIssuer(t, "Test Intermediate CA", root)

	now := time.Now()
	from, to := now.Add(-time.Hour), now.Add(24*time.Hour)
	clientAuth, serverAuth := x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth
	tests := []struct {
		name  string
		cert  tls.Certificate
		alert string   // in the client's error
		words []string // in the outcome and the debug log
	}{
		{"another CA", other.client(t, "stranger", from, to, clientAuth), "unknown certificate authority",
			[]string{"client certificate CN=stranger (issued by CN=Other CA; the only certificate sent)", "unknown authority", "sent no intermediate"}},
		{"intermediate not sent", inter.client(t, "forgetful", from, to, clientAuth), "unknown certificate authority",
			[]string{"client certificate CN=forgetful (issued by CN=Test Intermediate CA; the only certificate sent)", "sent no intermediate"}},
		{"expired", root.client(t, "late", now.Add(-48*time.Hour), now.Add(-24*time.Hour), clientAuth), "expired certificate",
			[]string{"client certificate CN=late (issued by CN=Test Root CA; the only certificate sent)", "expired"}},
		{"server auth only", root.client(t, "server-only", from, to, serverAuth), "bad certificate",
			[]string{"client certificate CN=server-only", "does not allow client authentication"}},
		{"other CA with a chain", other.client(t, "chained", from, to, clientAuth, other), "unknown certificate authority",
			[]string{"client certificate CN=chained (issued by CN=Other CA; 2 certificates sent)", "unknown authority"}},
	}
	refused := 0
	for _, tt := range tests {
		for _, port := range []struct{ listener, addr string }{{"tls", ta.TLSAddr}, {"https", ta.HTTPSAddr}} {
			t.Run(tt.name+"/"+port.listener, func(t *testing.T) {
				// GetClientCertificate sends the certificate whatever CAs
				// the server names, as openssl s_client -cert does; Go's
				// client would otherwise keep one of another CA to itself.
				cert := tt.cert
				cfg := &tls.Config{InsecureSkipVerify: true, GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }}
				local, err := refusedHandshake(t, port.addr, cfg)
				refused++
				if err == nil || !strings.Contains(err.Error(), tt.alert) {
					t.Errorf("client error %v, want the alert %q", err, tt.alert)
				}
				outcome := outcomeOf(t, ta, local)
				for _, w := range tt.words {
					if !strings.Contains(outcome, w) {
						t.Errorf("outcome %q lacks %q", outcome, w)
					}
				}
				line := waitLogged(t, ta, "peer="+local)
				for _, w := range tt.words {
					if !strings.Contains(line, w) {
						t.Errorf("log line lacks %q:\n%s", w, line)
					}
				}
			})
		}
	}

	// Sent with its intermediate, the same kind of certificate is let in.
	ok := inter.client(t, "careful", from, to, clientAuth, inter)
	ta.echoOnce(t, &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{ok}}, "with the intermediate\n")

	body := scrapeMetrics(t, http.DefaultClient, ta.AdminAddr)
	for _, l := range []string{"tls", "https"} {
		want := fmt.Sprintf("tlsecho_tls_handshake_failures_total{listener=%q} %d", l, refused/2)
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// refusedHandshake runs a handshake the server is to refuse and returns
// the client's address and error. In TLS 1.3 the server judges the
// client's certificate after the client has finished, so the alert comes
// on the first read.
func refusedHandshake(t *testing.T, addr string, cfg *tls.Config) (local string, err error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tc := tls.Client(nc, cfg)
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err = tc.Handshake(); err == nil {
		tc.Write([]byte("x"))
		_, err = tc.Read(make([]byte, 1))
	}
	return nc.LocalAddr().String(), err
}

// outcomeOf waits for the /hellos entry of the client at local and
// returns its outcome.
func outcomeOf(t *testing.T, ta *testApp, local string) string {
	t.Helper()
	for deadline := time.Now().Add(ioWait); ; {
		var got []helloEntry
		getJSON(t, http.DefaultClient, "http://"+ta.AdminAddr+"/hellos", &got)
		for _, e := range got {
			if e.Peer == local {
				return e.Outcome
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /hellos entry for %s within %v", local, ioWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMTLSNoCertificateSaysWhy: a Go client holding a certificate of
// another CA sends none, as browsers do, and is refused as sending none;
// /hellos and the debug log say that such clients send one only when a
// CA of the client CA file issued it, so the operator looks at the CA
// and not for a client without a certificate.
func TestMTLSNoCertificateSaysWhy(t *testing.T) {
	t.Parallel()
	ta, _, other := mtlsApp(t)
	stranger := other.client(t, "stranger", time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.ExtKeyUsageClientAuth)
	const why = "client didn't provide a certificate (browsers and Go clients send one only when a CA of the client CA file issued it)"
	for _, port := range []struct{ listener, addr string }{{"tls", ta.TLSAddr}, {"https", ta.HTTPSAddr}} {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			t.Run(fmt.Sprintf("%s/%s", port.listener, tls.VersionName(v)), func(t *testing.T) {
				cfg := &tls.Config{InsecureSkipVerify: true, MaxVersion: v, Certificates: []tls.Certificate{stranger}}
				local, err := refusedHandshake(t, port.addr, cfg)
				if err == nil {
					t.Fatal("a client without a certificate of the client CA was let in")
				}
				if outcome := outcomeOf(t, ta, local); outcome != why {
					t.Errorf("outcome %q, want %q", outcome, why)
				}
				if line := waitLogged(t, ta, "peer="+local); !strings.Contains(line, why) {
					t.Errorf("log line lacks %q:\n%s", why, line)
				}
			})
		}
	}
}
