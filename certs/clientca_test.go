package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// mtlsCA is a CA and a client certificate it issued.
type mtlsCA struct {
	ca     *Generated
	client tls.Certificate
}

func newMTLSCA(t testing.TB, name string) mtlsCA {
	t.Helper()
	ca, err := Generate(GenerateOptions{IsCA: true, CommonName: name + " CA"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := Generate(GenerateOptions{Hosts: []string{name + ".client.test"}, Parent: ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	return mtlsCA{ca: ca, client: *client.Cert}
}

// mtlsServer serves TLS from s on loopback: each connection handshakes,
// gets one byte and is closed. It returns the address.
func mtlsServer(t testing.TB, s *Source) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", s.TLSConfig(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					c.Write([]byte{'!'})
				}
			}()
		}
	}()
	return l.Addr().String()
}

// mtlsDial handshakes with cert and reads the server's byte; in TLS 1.3 a
// refused client certificate shows only there.
func mtlsDial(addr string, cert tls.Certificate, cache tls.ClientSessionCache) (resumed bool, err error) {
	cfg := &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}, ClientSessionCache: cache}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return false, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		return false, err
	}
	// Read once more to take in the session ticket that TLS 1.3 sends
	// after the handshake; the server's close ends the read.
	c.Read(make([]byte, 1))
	return c.ConnectionState().DidResume, nil
}

// caSource is an in-memory Source that requires client certificates from
// CA one, written to caFile; CA two is not trusted yet.
func caSource(t *testing.T) (s *Source, caFile string, one, two mtlsCA) {
	t.Helper()
	one, two = newMTLSCA(t, "one"), newMTLSCA(t, "two")
	s, caFile = sourceTrusting(t, one.ca.CertPEM)
	return s, caFile, one, two
}

// sourceTrusting is an in-memory Source that requires client certificates
// from the CAs in caPEM, written to caFile.
func sourceTrusting(t *testing.T, caPEM []byte) (s *Source, caFile string) {
	t.Helper()
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := NewSelfSigned([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequireClientCerts(caFile); err != nil {
		t.Fatal(err)
	}
	return s, caFile
}

// TestClientCAReload: a replaced CA file decides who new handshakes let
// in; a broken one keeps the previous pool; a resumed session of a client
// whose CA was taken out is refused too.
func TestClientCAReload(t *testing.T) {
	t.Parallel()
	s, caFile, one, two := caSource(t)
	addr := mtlsServer(t, s)
	expect := func(step string, c mtlsCA, ok bool) {
		t.Helper()
		_, err := mtlsDial(addr, c.client, nil)
		if ok && err != nil {
			t.Errorf("%s: %s's client refused: %v", step, c.client.Leaf.Subject.CommonName, err)
		}
		if !ok && err == nil {
			t.Errorf("%s: %s's client let in", step, c.client.Leaf.Subject.CommonName)
		}
	}
	expect("start", one, true)
	expect("start", two, false)

	// A session of one's client, resumable while one is trusted.
	cache := tls.NewLRUClientSessionCache(4)
	if _, err := mtlsDial(addr, one.client, cache); err != nil {
		t.Fatal(err)
	}
	if resumed, err := mtlsDial(addr, one.client, cache); err != nil || !resumed {
		t.Fatalf("second connection: resumed %v, err %v; want a resumed session", resumed, err)
	}

	replaceByRename(t, caFile, two.ca.CertPEM)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	expect("after the reload", two, true)
	expect("after the reload", one, false)
	if _, err := mtlsDial(addr, one.client, cache); err == nil {
		t.Error("a session of a client whose CA was taken out still resumed")
	}

	// Cut short: the first certificate parses, the second does not.
	broken := append(append([]byte{}, two.ca.CertPEM...), one.ca.CertPEM[:len(one.ca.CertPEM)/2]...)
	broken = append(broken, "\n-----END CERTIFICATE-----\n"...)
	for name, data := range map[string][]byte{
		"garbage":      []byte("not a certificate\n"),
		"cut short":    broken,
		"private key":  two.ca.KeyPEM,
		"empty":        nil,
		"file removed": nil,
	} {
		if name == "file removed" {
			os.Remove(caFile)
		} else {
			replaceByRename(t, caFile, data)
		}
		err := s.Reload()
		if err == nil || !strings.Contains(err.Error(), caFile) {
			t.Errorf("%s: Reload = %v, want an error naming %s", name, err, caFile)
		}
		expect(name, two, true)
		expect(name, one, false)
	}

	// A second change is served as the first was: each pool its own
	// configuration, not the one made for the pool before it.
	replaceByRename(t, caFile, one.ca.CertPEM)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	expect("after a second reload", one, true)
	expect("after a second reload", two, false)
}

// TestWatchClientCA: the watcher picks up a CA file renamed into place and
// logs a broken one as an error, keeping the previous pool.
// TestWatchClientCAChangeBeforeItBegins: a client CA file replaced after
// it was read and before the watch began is loaded by the time the watch
// says it has begun, as the pair is (TestWatchChangeBeforeItBegins).
func TestWatchClientCAChangeBeforeItBegins(t *testing.T) {
	t.Parallel()
	s, caFile, one, two := caSource(t)
	replaceByRename(t, caFile, two.ca.CertPEM)
	logBuf := watched(t, s)
	_, errTwo := two.client.Leaf.Verify(x509.VerifyOptions{Roots: s.ClientCAs(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	_, errOne := one.client.Leaf.Verify(x509.VerifyOptions{Roots: s.ClientCAs(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if errTwo != nil || errOne == nil {
		t.Errorf("once the watch has begun, the new file's client verifies: %v; the old one's is refused: %v; want both:\n%s", errTwo, errOne, logBuf)
	}
}

func TestWatchClientCA(t *testing.T) {
	t.Parallel()
	s, caFile, one, two := caSource(t)
	logBuf := watched(t, s)
	if !strings.Contains(logBuf.String(), "client_ca_file="+caFile) {
		t.Errorf("the watch line does not name the CA file:\n%s", logBuf.String())
	}
	verifies := func(c mtlsCA) bool {
		_, err := c.client.Leaf.Verify(x509.VerifyOptions{Roots: s.ClientCAs(), Intermediates: x509.NewCertPool(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		return err == nil
	}

	replaceByRename(t, caFile, two.ca.CertPEM)
	waitFor(t, 5*time.Second, "client CA reloaded", func() bool {
		return strings.Contains(logBuf.String(), "client CA reloaded")
	})
	if !verifies(two) || verifies(one) {
		t.Error("the pool in use is not the new file's")
	}
	if !strings.Contains(logBuf.String(), `cas="[CN=two CA,O=tlsecho]"`) {
		t.Errorf("the reload line does not list the new CAs:\n%s", logBuf.String())
	}

	replaceByRename(t, caFile, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	waitFor(t, 5*time.Second, "client CA reload failed", func() bool {
		return strings.Contains(logBuf.String(), "client CA reload failed")
	})
	if !verifies(two) {
		t.Error("a broken CA file replaced the pool")
	}
	for _, want := range []string{"level=ERROR", caFile} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("the failure is not logged with %q:\n%s", want, logBuf.String())
		}
	}
}

// TestRequireClientCertsErrors: a CA file that cannot be used is an error
// naming it, and the Source stays without mTLS.
func TestRequireClientCertsErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("hello\n"), 0o644)
	missing := filepath.Join(dir, "missing.pem")
	s, err := NewSelfSigned([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{garbage, missing} {
		err := s.RequireClientCerts(f)
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("RequireClientCerts(%s) = %v, want an error naming it", f, err)
		}
		if errors.Is(err, os.ErrNotExist) != (f == missing) {
			t.Errorf("RequireClientCerts(%s) = %v: wrong cause", f, err)
		}
	}
	if s.ClientCAFile() != "" || s.ClientCAs() != nil || s.TLSConfig(Options{}).ClientAuth != tls.NoClientCert {
		t.Error("a failed RequireClientCerts left mTLS on")
	}
	if err := s.ReloadAndLog(slog.New(slog.DiscardHandler), "SIGHUP"); err != nil {
		t.Errorf("ReloadAndLog of an in-memory Source: %v", err)
	}
}

// TestClientCAReloadWarnsOfDates: a reloaded client CA file holding an
// expired CA is taken, as given, with a warning naming that CA; one in
// date gets none.
func TestClientCAReloadWarnsOfDates(t *testing.T) {
	t.Parallel()
	s, caFile, one, _ := caSource(t)
	now := time.Now()
	expired, _ := datedPEM(t, "expired.ca.test", now.Add(-48*time.Hour), now.Add(-time.Hour))
	for _, tt := range []struct {
		name string
		pem  []byte
		want bool
	}{
		{"expired", append(append([]byte{}, one.ca.CertPEM...), expired...), true},
		{"in date", one.ca.CertPEM, false},
	} {
		replaceByRename(t, caFile, tt.pem)
		logBuf := &testlog.Buffer{}
		if err := s.ReloadAndLog(slog.New(slog.NewTextHandler(logBuf, nil)), "test"); err != nil {
			t.Fatal(err)
		}
		got := logBuf.String()
		warned := strings.Contains(got, "client CA certificate has expired; every client certificate it issued is refused") &&
			strings.Contains(got, "CN=expired.ca.test")
		if warned != tt.want {
			t.Errorf("%s: warned %v, want %v; log:\n%s", tt.name, warned, tt.want, got)
		}
	}
}

// TestLoadCAsCutShortWords: a CA file cut short names where: its first
// block when nothing decoded (it said "after CA certificate 0"), else the
// block after the last certificate that did, by number and name; also
// when a later block decodes again.
func TestLoadCAsCutShortWords(t *testing.T) {
	t.Parallel()
	ca, err := Generate(GenerateOptions{IsCA: true, CommonName: "cut CA"})
	if err != nil {
		t.Fatal(err)
	}
	half := append(ca.CertPEM[:len(ca.CertPEM)/2:len(ca.CertPEM)/2], "\n-----END CERTIFICATE-----\n"...)
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"first block", half, "its first PEM block does not decode (cut short or corrupt)"},
		{"second block", append(append([]byte{}, ca.CertPEM...), half...), "the PEM block after CA certificate 1 (CN=cut CA,O=tlsecho) does not decode (cut short or corrupt)"},
		// pem.Decode passes over a block that does not decode to the
		// next one that does: the CA in the middle was dropped unsaid.
		{"middle block", slices.Concat(ca.CertPEM, half, ca.CertPEM), "the PEM block after CA certificate 1 (CN=cut CA,O=tlsecho) does not decode (cut short or corrupt)"},
		{"middle block without its end", slices.Concat(ca.CertPEM, ca.CertPEM[:len(ca.CertPEM)/2], ca.CertPEM), "the PEM block after CA certificate 1 (CN=cut CA,O=tlsecho) does not decode (cut short or corrupt)"},
		{"first block without its end", slices.Concat(ca.CertPEM[:len(ca.CertPEM)/2], ca.CertPEM), "its first PEM block does not decode (cut short or corrupt)"},
	} {
		file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".pem")
		if err := os.WriteFile(file, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadCAs(file); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want %q", tt.name, err, tt.want)
		}
	}
}
