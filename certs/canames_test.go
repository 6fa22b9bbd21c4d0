package certs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manyCAsPEM is n CA certificates whose names together take about
// n*150 bytes in a certificate request.
func manyCAsPEM(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	for i := range n {
		ca, err := Generate(GenerateOptions{IsCA: true, CommonName: fmt.Sprintf("CA %d %s", i, strings.Repeat("x", 100))})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(ca.CertPEM)
	}
	return b.Bytes()
}

// TestClientCAFileNamesFit: a client CA file whose CAs' names do not fit
// in the certificate request a handshake sends (one 2-byte length for all
// of them) is refused at the start and at a reload, naming the file. Taken,
// it broke every handshake: TLS 1.3 ones ended in an error of the server's
// own ("cryptobyte: pending child length ... exceeds 2-byte length
// prefix"), TLS 1.2 ones got a request whose lengths did not add up.
func TestClientCAFileNamesFit(t *testing.T) {
	t.Parallel()
	one := newMTLSCA(t, "one")
	tooMany := append(manyCAsPEM(t, 500), one.ca.CertPEM...)

	t.Run("start", func(t *testing.T) {
		t.Parallel()
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, tooMany, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := NewSelfSigned([]string{"localhost"})
		if err != nil {
			t.Fatal(err)
		}
		err = s.RequireClientCerts(caFile)
		if err == nil {
			_, dialErr := mtlsDial(mtlsServer(t, s), one.client, nil)
			t.Fatalf("the file was taken, and a client of one of its CAs got: %v", dialErr)
		}
		for _, want := range []string{caFile, "501 CA certificates", "bytes"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("RequireClientCerts = %v; want it to say %q", err, want)
			}
		}
	})

	t.Run("reload", func(t *testing.T) {
		t.Parallel()
		s, caFile := sourceTrusting(t, one.ca.CertPEM)
		addr := mtlsServer(t, s)
		replaceByRename(t, caFile, tooMany)
		if err := s.Reload(); err == nil || !strings.Contains(err.Error(), caFile) {
			t.Errorf("Reload = %v, want an error naming %s", err, caFile)
		}
		if _, err := mtlsDial(addr, one.client, nil); err != nil {
			t.Errorf("after the refused reload, a client of the CA kept: %v", err)
		}
	})

	t.Run("a client's roots", func(t *testing.T) {
		t.Parallel()
		// Roots a client verifies a server against are never sent: any
		// number of them is taken.
		file := filepath.Join(t.TempDir(), "roots.pem")
		if err := os.WriteFile(file, tooMany, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCAs(file); err != nil {
			t.Errorf("loadCAs: %v", err)
		}
	})

	t.Run("just fits", func(t *testing.T) {
		t.Parallel()
		// 400 names of about 150 bytes are about 60,000 bytes.
		s, _ := sourceTrusting(t, append(manyCAsPEM(t, 400), one.ca.CertPEM...))
		if _, err := mtlsDial(mtlsServer(t, s), one.client, nil); err != nil {
			t.Errorf("a client of a CA of a file of 401: %v", err)
		}
	})
}
