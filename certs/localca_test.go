package certs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// TestLoadOrMakeCA: a CA is made once and then reused as it is; a pair
// that is not a CA (a server's own certificate copied in its place), or
// one of the two files alone, is refused in words that say what to do,
// and nothing is made over it.
func TestLoadOrMakeCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	made, created, err := certs.LoadOrMakeCA(certFile, keyFile, false)
	if err != nil || !created || !made.Leaf.IsCA {
		t.Fatalf("first run: created %v, %v", created, err)
	}
	again, created, err := certs.LoadOrMakeCA(certFile, keyFile, false)
	if err != nil || created || !again.Leaf.Equal(made.Leaf) {
		t.Fatalf("second run: created %v, %v; want the same CA reused", created, err)
	}

	leaf, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	write := func(dir string, withCert, withKey bool) (string, string) {
		t.Helper()
		c, k := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
		if withCert {
			if err := os.WriteFile(c, leaf.CertPEM, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if withKey {
			if err := os.WriteFile(k, leaf.KeyPEM, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return c, k
	}
	tests := []struct {
		name              string
		withCert, withKey bool
		want              string
	}{
		{"not a CA", true, true, "is not a CA certificate"},
		{"certificate alone", true, false, "exists without its key"},
		{"key alone", false, true, "exists without its certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c, k := write(dir, tt.withCert, tt.withKey)
			_, created, err := certs.LoadOrMakeCA(c, k, false)
			if err == nil || created || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "certs: ") {
				t.Fatalf("created %v, error %v; want %q", created, err, tt.want)
			}
			for file, want := range map[string]bool{c: tt.withCert, k: tt.withKey} {
				if _, err := os.Stat(file); (err == nil) != want {
					t.Errorf("%s: exists %v, want %v", filepath.Base(file), err == nil, want)
				}
			}
		})
	}
}
