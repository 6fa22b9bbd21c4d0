package certs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// TestChainLimitIsOpenSSLs: the limit is where OpenSSL's is, to the byte.
// A chain whose TLS 1.3 Certificate message is exactly 100 KiB loads and
// `openssl s_client -tls1_3` takes it from the Source; one byte more is
// refused by LoadFiles and, served anyway, by openssl as an "excessive
// message size". The sizes are counted from RFC 8446 section 4.4.2 here,
// not by the code under test.
func TestChainLimitIsOpenSSLs(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, over := range []int{0, 1} {
		dir := t.TempDir()
		certFile, keyFile, g := writePair(t, dir, "cert", "localhost")
		// The message: context (1), list length (3), and per certificate
		// its length (3), its DER and empty extensions (2).
		size := 1 + 3 + 3 + len(g.Cert.Certificate[0]) + 2
		data := bytes.Clone(g.CertPEM)
		for range 6 {
			der := paddedCert(t, key, 15000)
			size += 3 + len(der) + 2
			data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
		last := paddedCert(t, key, maxChainBytes+over-size-3-2)
		data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: last})...)
		if err := os.WriteFile(certFile, data, 0o644); err != nil {
			t.Fatal(err)
		}

		s, err := LoadFiles(certFile, keyFile)
		if over == 0 && err != nil {
			t.Fatalf("a chain of exactly 100 KiB: %v", err)
		}
		if over == 1 && err == nil {
			t.Fatal("a chain of 100 KiB and one byte loaded")
		}
		cfg := &tls.Config{}
		if s != nil {
			cfg = s.TLSConfig(Options{})
		} else {
			pair, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
		out, err := opensslHandshake(t, bin, cfg)
		switch {
		case over == 0 && err != nil:
			t.Errorf("openssl s_client refused a chain of exactly 100 KiB: %v\n%s", err, out)
		case over == 1 && (err == nil || !strings.Contains(out, "excessive message size")):
			t.Errorf("openssl s_client with a chain of 100 KiB and one byte: %v, want excessive message size\n%s", err, out)
		}
	}
}

// paddedCert returns a self-signed certificate of exactly n bytes of DER,
// padded with a private extension. An ECDSA signature varies in length by
// a byte or two, so it signs until the size is right.
func paddedCert(t *testing.T, key *ecdsa.PrivateKey, n int) []byte {
	t.Helper()
	pad := n - 300
	for range 200 {
		tmpl := &x509.Certificate{
			SerialNumber:    big.NewInt(1),
			Subject:         pkix.Name{CommonName: "padding"},
			NotBefore:       time.Now().Add(-time.Hour),
			NotAfter:        time.Now().Add(time.Hour),
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1}, Value: make([]byte, pad)}},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(der) == n {
			return der
		}
		pad += n - len(der)
	}
	t.Fatalf("no certificate of %d bytes", n)
	return nil
}

// opensslHandshake serves one TLS 1.3 handshake with cfg on loopback to
// `openssl s_client` and returns its output.
func opensslHandshake(t *testing.T, bin string, cfg *tls.Config) (string, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		c.(*tls.Conn).Handshake()
		// Until the client closes, so its output is complete.
		io.Copy(io.Discard, c)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-tls1_3", "-connect", ln.Addr().String(), "-servername", "localhost")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	ln.Close()
	<-served
	return string(out), err
}
