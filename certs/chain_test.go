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
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// testCA is a certificate that can issue others, and its key.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// issueTest signs tmpl with parent (self-signed when nil) over a new key.
func issueTest(t *testing.T, tmpl *x509.Certificate, parent *testCA) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
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
	return &testCA{c, key}
}

func newTestCA(t *testing.T, cn string, parent *testCA) *testCA {
	t.Helper()
	return issueTest(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: cn},
		IsCA:    true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, parent)
}

// leafFrom is a server leaf issued by ca, naming issuerURL as where its
// issuer can be fetched when it is not empty, served with chain.
func leafFrom(t *testing.T, ca *testCA, issuerURL string, chain ...*testCA) *tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "leaf.test"}, DNSNames: []string{"leaf.test"}}
	if issuerURL != "" {
		tmpl.IssuingCertificateURL = []string{issuerURL}
	}
	leaf := issueTest(t, tmpl, ca)
	out := &tls.Certificate{Certificate: [][]byte{leaf.cert.Raw}, PrivateKey: leaf.key, Leaf: leaf.cert}
	for _, c := range chain {
		out.Certificate = append(out.Certificate, c.cert.Raw)
	}
	return out
}

// TestChainProblem: the two mistakes a certificate file can show (a
// public-CA-style leaf alone, and intermediates that did not issue the
// leaf) are named with the issuer; complete chains in any order, leaves
// of a private root and self-signed leaves are not.
func TestChainProblem(t *testing.T) {
	t.Parallel()
	root := newTestCA(t, "Root", nil)
	inter := newTestCA(t, "Inter", root)
	other := newTestCA(t, "Other", root)
	// The same name with another key: a re-keyed intermediate, or the
	// wrong one of a CA's several of one name.
	twin := newTestCA(t, "Inter", root)
	self := issueTest(t, &x509.Certificate{Subject: pkix.Name{CommonName: "self.test"}}, nil)
	const url = "http://ca.test/inter.der"
	for _, tt := range []struct {
		name string
		cert *tls.Certificate
		want string // in the problem; "" for none
	}{
		{"leaf alone, issuer URL", leafFrom(t, inter, url), `the file holds the leaf alone, without its issuer "CN=Inter" (the leaf names it at ` + url + ")"},
		{"leaf alone, no issuer URL", leafFrom(t, inter, ""), ""},
		{"private root's leaf alone", leafFrom(t, root, ""), ""},
		{"full chain", leafFrom(t, inter, url, inter), ""},
		{"full chain with root", leafFrom(t, inter, url, inter, root), ""},
		{"out of order", leafFrom(t, inter, url, root, inter), ""},
		{"another intermediate", leafFrom(t, inter, url, other), `none of the 1 certificate(s) after the leaf in the file issued it; its issuer is "CN=Inter"`},
		{"same name, another key", leafFrom(t, inter, url, twin), `none of the 1 certificate(s)`},
		{"the root only", leafFrom(t, inter, "", root), `none of the 1 certificate(s)`},
		{"two wrong", leafFrom(t, inter, "", other, root), `none of the 2 certificate(s)`},
		{"self-signed", &tls.Certificate{Certificate: [][]byte{self.cert.Raw}, Leaf: self.cert}, ""},
		{"self-signed with extras", &tls.Certificate{Certificate: [][]byte{self.cert.Raw, root.cert.Raw}, Leaf: self.cert}, ""},
	} {
		got := ChainProblem(tt.cert)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: ChainProblem = %q, want %q", tt.name, got, tt.want)
		}
	}
	// What tlsecho makes: a self-signed leaf, and `tlsecho cert -ca`'s
	// leaf followed by its local CA.
	g, err := Generate(GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := ChainProblem(g.Cert); p != "" {
		t.Errorf("the generated self-signed certificate: %q", p)
	}
	ca, err := Generate(GenerateOptions{IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	byCA, err := Generate(GenerateOptions{Hosts: []string{"localhost"}, Parent: ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	if p := ChainProblem(byCA.Cert); p != "" || len(byCA.Cert.Certificate) != 2 {
		t.Errorf("a leaf of the local CA, with it (%d certificates): %q", len(byCA.Cert.Certificate), p)
	}
}

// TestReloadWarnsOfIncompleteChain: a reload that loads a leaf without
// its intermediate serves it with a warning naming the issuer; one with
// its chain gets none.
func TestReloadWarnsOfIncompleteChain(t *testing.T) {
	t.Parallel()
	inter := newTestCA(t, "Inter", newTestCA(t, "Root", nil))
	for _, tt := range []struct {
		name  string
		chain []*testCA
		warn  bool
	}{
		{"leaf alone", nil, true},
		{"full chain", []*testCA{inter}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, certFile, keyFile := loadedPair(t, t.TempDir(), "old.test")
			cert := leafFrom(t, inter, "http://ca.test/inter.der", tt.chain...)
			var certPEM []byte
			for _, der := range cert.Certificate {
				certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
			}
			keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
				t.Fatal(err)
			}
			logBuf := &testlog.Buffer{}
			if err := s.ReloadAndLog(slog.New(slog.NewTextHandler(logBuf, nil)), "test"); err != nil {
				t.Fatal(err)
			}
			if got := s.Leaf().Subject.CommonName; got != "leaf.test" {
				t.Errorf("serving %q, want leaf.test", got)
			}
			logText := logBuf.String()
			warned := strings.Contains(logText, `level=WARN msg="reloaded certificate chain incomplete"`)
			if warned != tt.warn || (tt.warn && !strings.Contains(logText, `CN=Inter`)) {
				t.Errorf("warned %v, want %v:\n%s", warned, tt.warn, logText)
			}
		})
	}
}
