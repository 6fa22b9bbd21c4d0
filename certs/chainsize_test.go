package certs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadFilesChainTooLarge: a certificate file with a CA bundle
// appended (here, one CA certificate many times over) is refused, naming
// the file and the limit, once its chain no longer fits the 100 KiB that
// OpenSSL, curl and Chrome accept; a chain just under the limit loads.
func TestLoadFilesChainTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile, g := writePair(t, dir, "cert", "a.test")
	ca, err := Generate(GenerateOptions{IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	// The most copies that still fit, counted as the handshake does.
	chain := [][]byte{g.Cert.Certificate[0]}
	for chainMessageBytes(append(chain, ca.Cert.Certificate[0])) <= maxChainBytes {
		chain = append(chain, ca.Cert.Certificate[0])
	}
	write := func(copies int) {
		t.Helper()
		data := append(bytes.Clone(g.CertPEM), bytes.Repeat(ca.CertPEM, copies)...)
		if err := os.WriteFile(certFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(len(chain) - 1)
	if _, err := LoadFiles(certFile, keyFile); err != nil {
		t.Fatalf("a chain of %d bytes, at the limit: %v", chainMessageBytes(chain), err)
	}

	write(len(chain))
	_, err = LoadFiles(certFile, keyFile)
	if err == nil {
		t.Fatal("a chain over 100 KiB loaded")
	}
	for _, want := range []string{filepath.Base(certFile), "100 KiB", "CA bundle"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}
