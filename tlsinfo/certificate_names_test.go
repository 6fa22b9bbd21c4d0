package tlsinfo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCertificateNamesAndFingerprint: a certificate with SANs of every
// kind lists them all, but only its DNS names and IP addresses are the
// host names a TLS client checks; the colon fingerprint is openssl
// x509 -fingerprint's upper-case form; the connection's log line names
// the client certificate's subject.
func TestCertificateNamesAndFingerprint(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spiffe, _ := url.Parse("spiffe://example.org/echo")
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(7),
		Subject:        pkix.Name{CommonName: "names"},
		NotBefore:      time.Now().Add(-time.Hour),
		NotAfter:       time.Now().Add(time.Hour),
		DNSNames:       []string{"echo.example"},
		IPAddresses:    []net.IP{net.IPv4(127, 0, 0, 1)},
		URIs:           []*url.URL{spiffe},
		EmailAddresses: []string{"ops@example.org"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	d := DescribeCertificate(c)
	if got, want := strings.Join(d.SANStrings(), ", "), "DNS:echo.example, IP:127.0.0.1, URI:spiffe://example.org/echo, email:ops@example.org"; got != want {
		t.Errorf("SANs %q, want %q", got, want)
	}
	if got := strings.Join(d.HostNames(), ","); got != "echo.example,127.0.0.1" {
		t.Errorf("HostNames = %q, want the DNS name and the address alone", got)
	}
	sum := sha256.Sum256(der)
	if got, want := d.SHA256Colons(), strings.ReplaceAll(fmt.Sprintf("% X", sum[:]), " ", ":"); got != want {
		t.Errorf("SHA256Colons = %s\nwant            %s", got, want)
	}

	conn := DescribeConnection(&tls.ConnectionState{Version: tls.VersionTLS13, CipherSuite: tls.TLS_AES_128_GCM_SHA256,
		CurveID: tls.X25519, PeerCertificates: []*x509.Certificate{c}})
	attrs := conn.LogAttrs()
	if n := len(attrs); n < 2 || attrs[n-2] != "client" || attrs[n-1] != "CN=names" {
		t.Errorf("log attributes %v, want them to end with client CN=names", attrs)
	}
	if conn.KeyExchange != "x25519" {
		t.Errorf("key exchange %q, want x25519", conn.KeyExchange)
	}
	if attrs := DescribeConnection(&tls.ConnectionState{}).LogAttrs(); len(attrs) != 12 {
		t.Errorf("log attributes without a client certificate: %v", attrs)
	}
}
