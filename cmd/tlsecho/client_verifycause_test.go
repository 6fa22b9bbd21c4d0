package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// servedChain writes, for a server, a certificate for localhost and
// 127.0.0.1 issued by inter, followed by the certificates of chain, and
// its key.
func servedChain(t *testing.T, inter *issuer, chain ...*issuer) (certFile, keyFile string) {
	t.Helper()
	return servedChainAIA(t, "", inter, chain...)
}

// servedChainAIA is servedChain with a leaf that names where its issuer
// can be fetched (Authority Information Access), as a public CA's does;
// none when issuerURL is empty.
func servedChainAIA(t *testing.T, issuerURL string, inter *issuer, chain ...*issuer) (certFile, keyFile string) {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: "localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if issuerURL != "" {
		tmpl.IssuingCertificateURL = []string{issuerURL}
	}
	leaf, key := issue(t, tmpl, inter)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})
	for _, c := range chain {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestClientUnknownAuthorityCauses: "certificate signed by unknown
// authority" has two common causes that call for different fixes, and
// the client names each: a self-signed server certificate (trust that
// certificate itself), and a server that sends its certificate without
// the intermediate that links it to the root the client trusts (the
// server is to serve the full chain; passing the root again does not
// help). Served with its intermediate, the same certificate verifies. A
// certificate sent alone may also come straight from a root the client
// was not given (a private CA): the message does not claim an
// intermediate is missing, and passing the root, as it says, verifies.
func TestClientUnknownAuthorityCauses(t *testing.T) {
	t.Parallel()
	root := newIssuer(t, "Test Root CA", nil)
	inter := newIssuer(t, "Test Intermediate CA", root)
	rootFile := writeCertFile(t, root.cert)
	leafCert, leafKey := servedChain(t, inter)
	leafOnly := startApp(t, map[string]string{"CERT_FILE": leafCert, "KEY_FILE": leafKey})
	fullCert, fullKey := servedChain(t, inter, inter)
	full := startApp(t, map[string]string{"CERT_FILE": fullCert, "KEY_FILE": fullKey})
	self := startApp(t, nil)
	byRootCert, byRootKey := servedChain(t, root)
	byRoot := startApp(t, map[string]string{"CERT_FILE": byRootCert, "KEY_FILE": byRootKey})
	otherRootFile := writeCertFile(t, newIssuer(t, "Other Root CA", nil).cert)
	// A root made anew under the same name: -ca holds "the" CA, but not
	// the one that signed.
	sameNameFile := writeCertFile(t, newIssuer(t, "Test Root CA", nil).cert)

	const alone = "tlsecho client: certificate signed by unknown authority: the server sent its certificate alone, issued by "
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"self-signed", []string{urls(self)["tls"], "x"}, []string{
			"tlsecho client: certificate signed by unknown authority: the server's certificate is self-signed (CN=localhost",
			"pass that certificate itself with -ca FILE to trust it, or -insecure to skip verification"}},
		{"intermediate not sent over tls", []string{"-ca", rootFile, urls(leafOnly)["tls"], "x"}, []string{
			alone + "CN=Test Intermediate CA, which is not a root of the system roots or -ca; if CN=Test Intermediate CA is a root CA",
			"if it is an intermediate, the server is to serve the full chain: its certificate, then the intermediate's, in its certificate file"}},
		{"intermediate not sent over wss", []string{"-ca", rootFile, urls(leafOnly)["wss"], "x"}, []string{
			alone + "CN=Test Intermediate CA,"}},
		{"self-signed made anew", []string{"-ca", writeCertFile(t, startApp(t, nil).src.Leaf()), urls(self)["tls"], "x"}, []string{
			"tlsecho client: certificate signed by unknown authority: the server's certificate is self-signed (CN=localhost",
			"and the certificate of that name in the system roots or -ca is another one: the server's was made anew",
			"pass the server's current certificate with -ca FILE"}},
		{"another root of the same name", []string{"-ca", sameNameFile, urls(byRoot)["tls"], "x"}, []string{
			`tlsecho client: certificate signed by unknown authority: the system roots or -ca hold a certificate named CN=Test Root CA, but it did not sign the server's certificate (possibly because of "x509: ECDSA verification failure" while trying`,
			"the CA was made anew under the same name, or another CA shares its name: pass the one that issued the server's certificate with -ca FILE"}},
		{"root not given", []string{"-ca", otherRootFile, urls(byRoot)["tls"], "x"}, []string{
			alone + "CN=Test Root CA, which is not a root of the system roots or -ca; if CN=Test Root CA is a root CA",
			"pass its certificate with -ca FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, "", tt.args...)
			r.want(t, exitFailure, []string{"subject       CN=localhost"}, tt.stderr)
			if strings.Contains(r.stderr, "without the intermediate") {
				t.Errorf("stderr says an intermediate is missing, which the client cannot know:\n%s", r.stderr)
			}
		})
	}

	r := runClient(t, "", "-ca", rootFile, urls(full)["tls"], "x")
	r.want(t, exitOK, []string{"certificate chain (2 certificates, as sent by the server)", "verified      yes, up to CN=Test Root CA"}, nil)
	r = runClient(t, "", "-ca", rootFile, urls(byRoot)["tls"], "x")
	r.want(t, exitOK, []string{"certificate chain (1 certificate, as sent by the server)", "verified      yes, up to CN=Test Root CA"}, nil)
}

// TestClientIntermediateOutOfDate: a server certificate in date whose
// intermediate or root has expired, or is not valid yet, is refused for
// that certificate's dates; the client says whose dates they are, since
// the server's own certificate is the one a reader would renew.
func TestClientIntermediateOutOfDate(t *testing.T) {
	t.Parallel()
	root := newIssuer(t, "Test Root CA", nil)
	rootFile := writeCertFile(t, root.cert)
	now := time.Now().UTC().Truncate(time.Second)
	dated := func(cn string, from, to time.Time) *issuer {
		c, k := issue(t, &x509.Certificate{
			Subject: pkix.Name{CommonName: cn}, NotBefore: from, NotAfter: to,
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}, root)
		return &issuer{c, k}
	}
	old := dated("Old Intermediate CA", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	early := dated("Early Intermediate CA", now.Add(24*time.Hour), now.Add(48*time.Hour))
	oc, ok := issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Old Root CA"}, NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil)
	oldRoot := &issuer{oc, ok}
	underOld := newIssuer(t, "Current Intermediate CA", oldRoot)

	tests := []struct {
		name   string
		inter  *issuer
		ca     string
		stderr string
		sent   []*issuer
	}{
		// Many servers send their root after the intermediate: the
		// out-of-date copy is still the root, not an intermediate.
		{"root expired, sent too", underOld, writeCertFile(t, oldRoot.cert), "tlsecho client: the root CA CN=Old Root CA expired on " + fmtTime(now.Add(-24*time.Hour)) +
			" (1 day ago); the server's own certificate is in date: the root that issued it, from -ca or the system roots, is out of date here", []*issuer{underOld, oldRoot}},
		{"root expired", underOld, writeCertFile(t, oldRoot.cert), "tlsecho client: the root CA CN=Old Root CA expired on " + fmtTime(now.Add(-24*time.Hour)) +
			" (1 day ago); the server's own certificate is in date: the root that issued it, from -ca or the system roots, is out of date here", nil},
		{"expired", old, rootFile, "tlsecho client: the intermediate the server sent, CN=Old Intermediate CA, expired on " + fmtTime(now.Add(-24*time.Hour)) +
			" (1 day ago); the server's own certificate is in date: the server needs a current intermediate in its certificate file", nil},
		{"not valid yet", early, rootFile, "tlsecho client: the intermediate the server sent, CN=Early Intermediate CA, is not valid until " + fmtTime(now.Add(24*time.Hour)) +
			"; the time here is ", nil},
		{"not valid yet, the clock right", early, rootFile, ": a clock is wrong, or it was made to start later", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := tt.sent
			if sent == nil {
				sent = []*issuer{tt.inter}
			}
			certFile, keyFile := servedChain(t, tt.inter, sent...)
			ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
			r := runClient(t, "", "-ca", tt.ca, urls(ta)["tls"], "x")
			r.want(t, exitFailure, []string{"subject       CN=localhost"}, []string{tt.stderr})
		})
	}
}
