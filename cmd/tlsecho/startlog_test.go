package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartLogNamesAdmin: the start log says where the admin port listens
// and which variable moves it or turns it off.
func TestStartLogNamesAdmin(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	line := waitLogged(t, ta, `msg="admin listening"`)
	for _, want := range []string{"addr=" + ta.AdminAddr, "this machine only", "TLSECHO_ADMIN_ADDR=host:port", "TLSECHO_ADMIN_ADDR= (empty) to turn it off"} {
		if !strings.Contains(line, want) {
			t.Errorf("admin line lacks %q: %s", want, line)
		}
	}

	off := startApp(t, map[string]string{"ADMIN_ADDR": ""})
	waitLogged(t, off, `msg="try it"`) // the last line of the start
	if strings.Contains(off.Log.String(), "admin listening") {
		t.Errorf("admin line with the admin port off:\n%s", off.Log.String())
	}
}

var adminHintTests = []struct {
	name  string
	addr  string
	wants []string
}{
	{"loopback v4", "127.0.0.1:9090", []string{"this machine only", "TLSECHO_ADMIN_ADDR=host:port", "TLSECHO_ADMIN_ADDR= (empty)"}},
	{"loopback v6", "[::1]:9090", []string{"this machine only"}},
	{"every interface v4", "0.0.0.0:9090", []string{"every network interface", "in a container or a pod this is what probes and Prometheus need", "TLSECHO_ADMIN_ADDR=127.0.0.1:9090", "TLSECHO_ADMIN_ADDR= (empty)"}},
	{"every interface v6", "[::]:9091", []string{"every network interface", "TLSECHO_ADMIN_ADDR=127.0.0.1:9091"}},
	{"one address", "192.0.2.7:9090", []string{"every host that can reach 192.0.2.7:9090", "TLSECHO_ADMIN_ADDR=127.0.0.1:9090"}},
}

func TestAdminHint(t *testing.T) {
	t.Parallel()
	for _, tt := range adminHintTests {
		t.Run(tt.name, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			got := adminHint(addr)
			for _, w := range tt.wants {
				if !strings.Contains(got, w) {
					t.Errorf("adminHint(%s) = %q, lacks %q", tt.addr, got, w)
				}
			}
		})
	}
}

// TestStartLogCertificateNames: the start's certificate line lists the
// DNS names and the IP addresses alike, comma-separated, as the
// certificate holds them; the addresses read "[127.0.0.1 ::1]", Go's
// printing of a slice.
func TestStartLogCertificateNames(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HOSTS": "localhost,echo.test,127.0.0.1,::1"})
	line := waitLogged(t, ta, "msg=certificate")
	if got := tryItValue(t, line, "dns"); got != "localhost,echo.test" {
		t.Errorf("dns=%q, want localhost,echo.test: %s", got, line)
	}
	if got := tryItValue(t, line, "ips"); got != "127.0.0.1,::1" {
		t.Errorf("ips=%q, want 127.0.0.1,::1: %s", got, line)
	}
}

// TestStartLogIssuedCertificate: for a certificate a CA issued, the start's
// certificate line names the certificate's own subject, not its issuer
// (a self-signed one has the two alike).
func TestStartLogIssuedCertificate(t *testing.T) {
	t.Parallel()
	root := newIssuer(t, "start log root", nil)
	leaf, key := issue(t, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "leaf.test"},
		DNSNames:  []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, root)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
	line := waitLogged(t, ta, "msg=certificate")
	if got := tryItValue(t, line, "subject"); got != "CN=leaf.test" {
		t.Errorf("subject=%q, want CN=leaf.test: %s", got, line)
	}
}
