package certs

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePair generates a certificate for host and writes it as
// dir/name.pem and dir/name-key.pem.
func writePair(t testing.TB, dir, name, host string) (certFile, keyFile string, g *Generated) {
	t.Helper()
	g, err := Generate(GenerateOptions{Hosts: []string{host}})
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(dir, name+".pem")
	keyFile = filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, g.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, g.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, g
}

// loadedPair writes a pair for host as dir/cert.pem and dir/cert-key.pem
// and loads it.
func loadedPair(t testing.TB, dir, host string) (s *Source, certFile, keyFile string) {
	t.Helper()
	certFile, keyFile, _ = writePair(t, dir, "cert", host)
	s, err := LoadFiles(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return s, certFile, keyFile
}

func TestLoadFilesErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certA, keyA, _ := writePair(t, dir, "a", "a.test")
	_, keyB, _ := writePair(t, dir, "b", "b.test")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM at all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	// A key as a reader sees it while it is being written in place.
	halfKey := filepath.Join(dir, "half-key.pem")
	keyData, err := os.ReadFile(keyA)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(halfKey, keyData[:len(keyData)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.pem")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("A"), maxPEMFile+1), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		cert, key string
		wantInErr []string // every one must appear in the error
	}{
		{"missing certificate", missing, keyA, []string{"certs: read certificate", missing}},
		{"missing key", certA, missing, []string{"certs: read key", missing}},
		{"huge certificate", huge, keyA, []string{"certs: read certificate", huge, "over 4 MiB"}},
		{"huge key", certA, huge, []string{"certs: read key", huge, "over 4 MiB"}},
		{"garbage certificate", garbage, keyA, []string{"certs: load pair", garbage, keyA}},
		{"garbage key", certA, garbage, []string{"certs: load pair", certA, garbage}},
		{"key cut short", certA, halfKey, []string{"certs: load pair", certA, halfKey, "does not decode (cut short or corrupt)"}},
		{"key of another certificate", certA, keyB, []string{"certs: load pair", certA, keyB, "does not match"}},
		{"key given as certificate", keyA, certA, []string{"certs: load pair", keyA, certA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadFiles(tt.cert, tt.key)
			if err == nil {
				t.Fatalf("LoadFiles succeeded (serving %s)", s.Leaf().Subject)
			}
			for _, want := range tt.wantInErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}

	s, err := LoadFiles(certA, keyA)
	if err != nil {
		t.Fatalf("valid pair: %v", err)
	}
	if got := s.Leaf().Subject.CommonName; got != "a.test" {
		t.Errorf("serving %q, want a.test", got)
	}
	if c, k := s.Files(); c != certA || k != keyA {
		t.Errorf("Files() = %q, %q", c, k)
	}
}

// TestReload: a valid new pair replaces the served one; a broken one is
// refused and the old pair keeps serving.
func TestReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, certFile, keyFile := loadedPair(t, dir, "old.test")
	_, otherKey, _ := writePair(t, dir, "other", "other.test")
	otherKeyPEM, err := os.ReadFile(otherKey)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		cert    func() []byte // nil: leave as is
		key     func() []byte
		wantCN  string
		wantErr bool
	}{
		{
			name:    "garbage key keeps the old pair",
			key:     func() []byte { return []byte("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n") },
			wantCN:  "old.test",
			wantErr: true,
		},
		{
			name: "mismatched key keeps the old pair",
			cert: func() []byte {
				g, err := Generate(GenerateOptions{Hosts: []string{"new.test"}})
				if err != nil {
					t.Fatal(err)
				}
				return g.CertPEM
			},
			key:     func() []byte { return otherKeyPEM },
			wantCN:  "old.test",
			wantErr: true,
		},
		{
			name:    "empty certificate keeps the old pair",
			cert:    func() []byte { return nil },
			wantCN:  "old.test",
			wantErr: true,
		},
		{
			name: "valid new pair is served",
			cert: func() []byte {
				g, err := Generate(GenerateOptions{Hosts: []string{"new.test"}})
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(keyFile, g.KeyPEM, 0o600); err != nil {
					t.Fatal(err)
				}
				return g.CertPEM
			},
			wantCN: "new.test",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cert != nil {
				if err := os.WriteFile(certFile, tt.cert(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.key != nil {
				if err := os.WriteFile(keyFile, tt.key(), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := s.Reload()
			if (err != nil) != tt.wantErr {
				t.Errorf("Reload error = %v, want error %v", err, tt.wantErr)
			}
			if got := s.Leaf().Subject.CommonName; got != tt.wantCN {
				t.Errorf("serving %q, want %q", got, tt.wantCN)
			}
			got, _ := s.GetCertificate(nil)
			if got.Leaf.Subject.CommonName != tt.wantCN {
				t.Errorf("GetCertificate gives %q, want %q", got.Leaf.Subject.CommonName, tt.wantCN)
			}
		})
	}
}

// TestReloadInMemory: a self-signed Source has no files, so Reload keeps
// its certificate and does not fail.
func TestReloadInMemory(t *testing.T) {
	t.Parallel()
	s, err := NewSelfSigned([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	before := s.Certificate()
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if s.Certificate() != before {
		t.Error("Reload replaced an in-memory certificate")
	}
}

// TestReloadChainCutShort: a certificate file whose chain does not decode
// whole, as when it is read while still being written, is refused like any
// broken pair. tls.X509KeyPair stops at the first block it cannot decode
// (and pem.Decode skips a corrupt block to the next one) without an error,
// so the server would serve the leaf without its intermediate, which
// clients cannot verify.
func TestReloadChainCutShort(t *testing.T) {
	t.Parallel()
	root, err := Generate(GenerateOptions{IsCA: true, CommonName: "root.test"})
	if err != nil {
		t.Fatal(err)
	}
	inter, err := Generate(GenerateOptions{IsCA: true, CommonName: "inter.test", Parent: root.Cert})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(host string) *Generated {
		g, err := Generate(GenerateOptions{Hosts: []string{host}, Parent: inter.Cert})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	rootPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Cert.Certificate[0]})

	tests := []struct {
		name string
		// chain is the new certificate file, from the new leaf's PEM
		// (leaf then intermediate).
		chain func(certPEM []byte) []byte
	}{
		{"intermediate cut short", func(certPEM []byte) []byte {
			return certPEM[:len(certPEM)-200]
		}},
		{"intermediate corrupt, root after it", func(certPEM []byte) []byte {
			b := bytes.Clone(certPEM)
			i := bytes.LastIndex(b, []byte("-----BEGIN"))
			b[i+40] = '!'
			return append(b, rootPEM...)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
			old := issue("old.test")
			if err := os.WriteFile(certFile, old.CertPEM, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, old.KeyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadFiles(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			g := issue("new.test")
			if err := os.WriteFile(certFile, tt.chain(g.CertPEM), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(keyFile, g.KeyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			err = s.Reload()
			if err == nil || !strings.Contains(err.Error(), certFile) {
				t.Errorf("Reload error = %v, want one naming %s", err, certFile)
			}
			cur := s.Certificate()
			if got := cur.Leaf.Subject.CommonName; got != "old.test" || len(cur.Certificate) != 2 {
				t.Errorf("serving %q with %d certificates, want old.test with its intermediate", got, len(cur.Certificate))
			}
			if _, err := LoadFiles(certFile, keyFile); err == nil {
				t.Error("LoadFiles took the broken chain")
			}
		})
	}
}
