package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"strings"
	"testing"
)

// FuzzParsePair feeds arbitrary bytes as the contents of a certificate and
// a key file. Whatever they hold, parsePair must not panic; a failure must
// be an error that names the files and says what is wrong with them; a
// success must be a pair whose key belongs to its parsed leaf. Seeds made
// of real keys are generated here (keys are never committed); the
// checked-in corpus holds malformed files.
func FuzzParsePair(f *testing.F) {
	g, err := Generate(GenerateOptions{Hosts: []string{"fuzz.test", "127.0.0.1"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(g.CertPEM, g.KeyPEM)
	f.Add(g.KeyPEM, g.CertPEM)
	f.Add(g.CertPEM, g.CertPEM)
	f.Add(g.CertPEM[:len(g.CertPEM)/2], g.KeyPEM)
	f.Add(g.CertPEM, g.KeyPEM[:len(g.KeyPEM)-40])
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		const certFile, keyFile = "/srv/tls/cert.pem", "/srv/tls/key.pem"
		cert, err := parsePair(certPEM, keyPEM, certFile, keyFile)
		if err != nil {
			msg := err.Error()
			if cert != nil {
				t.Fatalf("a pair and an error %q", msg)
			}
			if !strings.HasPrefix(msg, "certs: ") || !strings.Contains(msg, certFile) {
				t.Fatalf("error %q does not say which files are at fault", msg)
			}
			if strings.HasPrefix(msg, "certs: load pair") && !strings.Contains(msg, keyFile) {
				t.Fatalf("error %q does not name the key file", msg)
			}
			// What is wrong comes after the file names.
			last := max(strings.LastIndex(msg, certFile)+len(certFile), strings.LastIndex(msg, keyFile)+len(keyFile))
			if reason := strings.TrimLeft(msg[last:], ": "); reason == "" {
				t.Fatalf("error %q does not say what is wrong", msg)
			}
			return
		}
		if len(cert.Certificate) == 0 || cert.Leaf == nil || !bytes.Equal(cert.Leaf.Raw, cert.Certificate[0]) {
			t.Fatal("pair without its parsed leaf")
		}
		signer, ok := cert.PrivateKey.(crypto.Signer)
		if !ok {
			t.Fatalf("private key %T cannot sign", cert.PrivateKey)
		}
		pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(cert.Leaf.PublicKey) {
			t.Fatal("the private key does not belong to the leaf")
		}
		if _, err := x509.ParseCertificate(cert.Certificate[0]); err != nil {
			t.Fatalf("leaf does not parse again: %v", err)
		}
	})
}
