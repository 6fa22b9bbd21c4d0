package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"slices"
	"testing"
	"time"
)

var generateTests = []struct {
	name    string
	opts    GenerateOptions
	wantDNS []string
	wantIPs []string
	wantCN  string
	wantRSA bool
	wantErr bool
}{
	{
		name:    "names and IPs go to their own SAN fields",
		opts:    GenerateOptions{Hosts: []string{"localhost", "127.0.0.1", "::1", "[::2]", " echo.test ", ""}},
		wantDNS: []string{"localhost", "echo.test"},
		wantIPs: []string{"127.0.0.1", "::1", "::2"},
		wantCN:  "localhost",
	},
	{
		name:    "an address first",
		opts:    GenerateOptions{Hosts: []string{"[::2]", "echo.test"}},
		wantDNS: []string{"echo.test"},
		wantIPs: []string{"::2"},
		wantCN:  "::2",
	},
	{
		name:    "a host given twice is one SAN",
		opts:    GenerateOptions{Hosts: []string{"echo.test", "ECHO.test", "127.0.0.1", "::ffff:127.0.0.1", "::1", "[::1]", "echo.test"}},
		wantDNS: []string{"echo.test"},
		wantIPs: []string{"127.0.0.1", "::1"},
		wantCN:  "echo.test",
	},
	{
		name:    "rsa",
		opts:    GenerateOptions{Hosts: []string{"rsa.test"}, RSA: true},
		wantDNS: []string{"rsa.test"},
		wantCN:  "rsa.test",
		wantRSA: true,
	},
	{
		name:    "wildcard",
		opts:    GenerateOptions{Hosts: []string{"*.apps.test"}},
		wantDNS: []string{"*.apps.test"},
		wantCN:  "*.apps.test",
	},
	{
		name:    "no hosts",
		opts:    GenerateOptions{},
		wantErr: true,
	},
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	for _, tt := range generateTests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Generate(tt.opts)
			if tt.wantErr {
				if err == nil {
					t.Fatal("Generate succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			leaf := g.Cert.Leaf
			if !slices.Equal(leaf.DNSNames, tt.wantDNS) {
				t.Errorf("DNSNames = %q, want %q", leaf.DNSNames, tt.wantDNS)
			}
			var ips []string
			for _, ip := range leaf.IPAddresses {
				ips = append(ips, ip.String())
			}
			if !slices.Equal(ips, tt.wantIPs) {
				t.Errorf("IPAddresses = %q, want %q", ips, tt.wantIPs)
			}
			switch k := leaf.PublicKey.(type) {
			case *rsa.PublicKey:
				if !tt.wantRSA || k.N.BitLen() != 2048 {
					t.Errorf("RSA key of %d bits; want RSA %v (2048 bits)", k.N.BitLen(), tt.wantRSA)
				}
			case *ecdsa.PublicKey:
				if tt.wantRSA || k.Curve != elliptic.P256() {
					t.Errorf("ECDSA key on %s; want RSA %v, else P-256", k.Curve.Params().Name, tt.wantRSA)
				}
			default:
				t.Errorf("key type %T", k)
			}
			if got := time.Until(leaf.NotAfter); got < DefaultValidity-time.Minute || got > DefaultValidity+time.Minute {
				t.Errorf("valid for another %v, want about %v", got, DefaultValidity)
			}
			// Valid from an hour back, for a client whose clock is behind.
			if got := time.Since(leaf.NotBefore); got < backdate-time.Minute || got > backdate+time.Minute {
				t.Errorf("valid since %v ago, want about %v", got, backdate)
			}
			// The common name is the first host, as its SAN holds it.
			if cn := leaf.Subject.CommonName; cn != tt.wantCN {
				t.Errorf("common name %q, want %q", cn, tt.wantCN)
			}
			encipher := leaf.KeyUsage&x509.KeyUsageKeyEncipherment != 0
			if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 || encipher != tt.wantRSA {
				t.Errorf("key usage %b: want digital signature, and key encipherment for RSA alone", leaf.KeyUsage)
			}
			// The PEM forms must make the same, matching pair.
			pair, err := tls.X509KeyPair(g.CertPEM, g.KeyPEM)
			if err != nil {
				t.Fatalf("PEM pair does not load: %v", err)
			}
			if !pair.Leaf.Equal(leaf) {
				t.Error("CertPEM holds another certificate than Cert")
			}
			// Self-signed: it verifies as its own root for each of its names.
			roots := x509.NewCertPool()
			roots.AddCert(leaf)
			for _, h := range append(tt.wantDNS, tt.wantIPs...) {
				if h == "*.apps.test" {
					h = "x.apps.test"
				}
				if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: h}); err != nil {
					t.Errorf("verify for %s: %v", h, err)
				}
			}
		})
	}
}

// TestGenerateWithParent: a CA made by Generate issues a leaf that verifies
// against the CA alone, and the leaf's PEM carries the CA after it.
func TestGenerateWithParent(t *testing.T) {
	t.Parallel()
	ca, err := Generate(GenerateOptions{IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	if !ca.Cert.Leaf.IsCA || ca.Cert.Leaf.Subject.CommonName != "tlsecho local CA" {
		t.Fatalf("CA: IsCA %v, CN %q", ca.Cert.Leaf.IsCA, ca.Cert.Leaf.Subject.CommonName)
	}
	// pathlen:0: the CA issues leaves, never another CA.
	if !ca.Cert.Leaf.MaxPathLenZero || ca.Cert.Leaf.MaxPathLen != 0 {
		t.Errorf("CA path length: zero %v, %d; want pathlen:0", ca.Cert.Leaf.MaxPathLenZero, ca.Cert.Leaf.MaxPathLen)
	}
	leaf, err := Generate(GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}, Parent: ca.Cert, ValidFor: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.Cert.Certificate) != 2 {
		t.Fatalf("chain of %d certificates, want leaf and CA", len(leaf.Cert.Certificate))
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert.Leaf)
	for _, name := range []string{"localhost", "127.0.0.1"} {
		if _, err := leaf.Cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("verify %s against the CA: %v", name, err)
		}
	}
	if _, err := leaf.Cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.test"}); err == nil {
		t.Error("leaf verified for a name it does not carry")
	}
	if got := time.Until(leaf.Cert.Leaf.NotAfter); got > 48*time.Hour || got < 47*time.Hour {
		t.Errorf("ValidFor 48h gave %v", got)
	}
	pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if len(pair.Certificate) != 2 {
		t.Errorf("CertPEM holds %d certificates, want leaf and CA", len(pair.Certificate))
	}

	unparsed := *ca.Cert
	unparsed.Leaf = nil
	if _, err := Generate(GenerateOptions{Hosts: []string{"x.test"}, Parent: &unparsed}); err == nil {
		t.Error("Generate accepted a parent without a parsed certificate")
	}
}
