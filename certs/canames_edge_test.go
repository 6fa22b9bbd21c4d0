package certs

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shortCAs is CAs of short names, the first of them one, whose names
// take exactly total bytes in a certificate request (each with its 2-byte
// length): the last CA's name is padded to make up the rest.
func shortCAs(t *testing.T, one mtlsCA, total int) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Write(one.ca.CertPEM)
	left := total - (2 + len(one.ca.Cert.Leaf.RawSubject))
	for i := 0; ; i++ {
		ca, err := Generate(GenerateOptions{IsCA: true, CommonName: fmt.Sprintf("c%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		cost := 2 + len(ca.Cert.Leaf.RawSubject)
		if left-cost < 2*cost {
			// The last one: a longer name in place of this one
			// takes the rest exactly.
			pad := left - cost
			ca, err = Generate(GenerateOptions{IsCA: true, CommonName: fmt.Sprintf("c%d", i) + strings.Repeat("x", pad)})
			if err != nil {
				t.Fatal(err)
			}
			if got := 2 + len(ca.Cert.Leaf.RawSubject); got != left {
				t.Fatalf("the last CA's name takes %d bytes, want %d", got, left)
			}
			b.Write(ca.CertPEM)
			return b.Bytes()
		}
		b.Write(ca.CertPEM)
		left -= cost
	}
}

// TestClientCAFileNamesEdge: the bound is on the names as the request
// carries them, each with its 2-byte length, so a file of many short
// names is held to it too; a file that takes exactly the bound is served
// to TLS 1.3 and 1.2 clients alike and a byte more is refused; and a CA
// listed twice, which the pool holds once, is counted once.
func TestClientCAFileNamesEdge(t *testing.T) {
	t.Parallel()
	one := newMTLSCA(t, "one")
	exact := shortCAs(t, one, maxCANames)

	t.Run("exactly the bound", func(t *testing.T) {
		t.Parallel()
		s, _ := sourceTrusting(t, exact)
		addr := mtlsServer(t, s)
		for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
			if err := mtlsDialVersion(addr, one.client, v); err != nil {
				t.Errorf("%s: a client of a CA of a file of names of %d bytes: %v", tls.VersionName(v), maxCANames, err)
			}
		}
	})

	t.Run("a byte more", func(t *testing.T) {
		t.Parallel()
		caFile := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(caFile, shortCAs(t, one, maxCANames+1), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := NewSelfSigned([]string{"localhost"})
		if err != nil {
			t.Fatal(err)
		}
		err = s.RequireClientCerts(caFile)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("take %d bytes", maxCANames+1)) {
			t.Errorf("RequireClientCerts = %v; want it refused at %d bytes", err, maxCANames+1)
		}
	})

	t.Run("listed twice", func(t *testing.T) {
		t.Parallel()
		// A bundle appended to itself: each CA once in the pool and
		// in the request.
		s, _ := sourceTrusting(t, append(append([]byte(nil), exact...), exact...))
		if err := mtlsDialVersion(mtlsServer(t, s), one.client, tls.VersionTLS13); err != nil {
			t.Errorf("a client of a CA of a file listed twice: %v", err)
		}
	})
}

// mtlsDialVersion is mtlsDial with the client held to TLS version v.
func mtlsDialVersion(addr string, cert tls.Certificate, v uint16) error {
	cfg := &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	// The server writes a byte once it has the client's certificate.
	_, err = io.ReadFull(c, make([]byte, 1))
	return err
}
