package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadCAs feeds arbitrary bytes as the contents of a CA file
// (TLSECHO_CLIENT_CA_FILE, the client's -ca). A file that loads must hold
// no PEM block that fails to decode, since pem.Decode skips one without a
// word and a CA cut short would be dropped; and the pool must hold
// exactly the CERTIFICATE blocks, each parsed as crypto/x509 parses it. A
// file that does not load gets an error that names it, on one line.
func FuzzLoadCAs(f *testing.F) {
	ca, err := Generate(GenerateOptions{IsCA: true, CommonName: "fuzz CA"})
	if err != nil {
		f.Fatal(err)
	}
	leaf, err := Generate(GenerateOptions{Hosts: []string{"fuzz.test"}, Parent: ca.Cert})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ca.CertPEM)
	f.Add(leaf.CertPEM)
	f.Add(append(bytes.Clone(ca.CertPEM), ca.KeyPEM...))
	f.Add(append(append(bytes.Clone(ca.CertPEM), ca.CertPEM[:len(ca.CertPEM)/2]...), leaf.CertPEM...))
	dir := f.TempDir()
	file := filepath.Join(dir, "ca.pem")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := loadCAs(file)
		if err != nil {
			msg := err.Error()
			if p != nil {
				t.Fatalf("a pool and an error %q", msg)
			}
			if !strings.Contains(msg, file) || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error %q does not name %s on one line", msg, file)
			}
			return
		}
		if decoded, begun := pemBlocks(data); decoded < begun {
			t.Fatalf("loaded, but only %d of the %d PEM blocks decode: %d CAs kept", decoded, begun, len(p.cas))
		}
		var want [][]byte
		for rest := data; ; {
			var block *pem.Block
			if block, rest = pem.Decode(rest); block == nil {
				break
			}
			if block.Type != "CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatalf("loaded, but crypto/x509 refuses a CERTIFICATE block: %v", err)
			}
			want = append(want, c.Raw)
		}
		if len(want) == 0 || len(want) != len(p.cas) || len(p.subjects) != len(p.cas) {
			t.Fatalf("loaded %d CAs (%d subjects) from %d CERTIFICATE blocks", len(p.cas), len(p.subjects), len(want))
		}
		for i, c := range p.cas {
			if !bytes.Equal(c.Raw, want[i]) {
				t.Fatalf("CA %d is not the file's CERTIFICATE block %d", i+1, i+1)
			}
		}
	})
}
