package main

import (
	"crypto/tls"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// certCNTests are TLSECHO_HOSTS (and tlsecho cert -hosts) values and the
// subject's common name they give: the first host as its subject
// alternative name holds it, so no bracket of a URL's IPv6 form and no
// other spelling of an address than the one the certificate carries.
var certCNTests = []struct {
	name  string
	hosts string
	cn    string
}{
	{"name first", "localhost,127.0.0.1,::1", "localhost"},
	{"IPv6 in brackets", "[::1]", "::1"},
	{"documentation IPv6 in brackets", "[2001:db8::1]", "2001:db8::1"},
	{"IPv6 without brackets", "::1", "::1"},
	{"IPv6 in brackets, then a name", "[::1],localhost", "::1"},
	{"a name, then IPv6 in brackets", "localhost,[::1]", "localhost"},
	{"IPv6 written long", "[2001:0db8:0000::0001]", "2001:db8::1"},
	// The certificate holds it as the IPv4 address it maps.
	{"IPv4-mapped IPv6", "::ffff:127.0.0.1", "127.0.0.1"},
}

// TestGeneratedCertCommonName: the generated certificate's subject names
// its first host as a bare address or a name, as its SANs do, not as
// written in a URL (CN=[::1]), on the running server and from tlsecho
// cert alike.
func TestGeneratedCertCommonName(t *testing.T) {
	t.Parallel()
	for _, tt := range certCNTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"HOSTS": tt.hosts, "ADMIN_ADDR": ""})
			c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", ta.TLSAddr, &tls.Config{InsecureSkipVerify: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			leaf := c.ConnectionState().PeerCertificates[0]
			if got := leaf.Subject.CommonName; got != tt.cn {
				t.Errorf("server's certificate for %q: CN=%s, want CN=%s", tt.hosts, got, tt.cn)
			}
			if line := waitLogged(t, ta, "msg=certificate"); !strings.Contains(line, `subject="CN=`+tt.cn+`,O=tlsecho"`) {
				t.Errorf("start log's certificate line for %q: %s, want CN=%s", tt.hosts, line, tt.cn)
			}

			dir := t.TempDir()
			certMust(t, "-hosts", tt.hosts, "-out", dir)
			if got := certParse(t, filepath.Join(dir, "cert.pem")).Subject.CommonName; got != tt.cn {
				t.Errorf("tlsecho cert -hosts %q: CN=%s, want CN=%s", tt.hosts, got, tt.cn)
			}
		})
	}
}

// TestCertHostZoneRefused: an IPv6 address with a zone names an interface
// of one machine, which no certificate can carry; the refusal says so and
// what to write, rather than that it is no address.
func TestCertHostZoneRefused(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"fe80::1%eth0", "[fe80::1%eth0]"} {
		_, err := loadConfig([]string{"TLSECHO_HOSTS=" + h})
		if err == nil {
			t.Fatalf("TLSECHO_HOSTS=%s accepted", h)
		}
		msg := err.Error()
		if !strings.Contains(msg, "TLSECHO_HOSTS") || !strings.Contains(msg, "zone") || !strings.Contains(msg, `"fe80::1"`) {
			t.Errorf("TLSECHO_HOSTS=%s: %s, want the variable, the zone and the address to write", h, msg)
		}
		code, _, stderr := certRun(t, "-hosts", h, "-out", t.TempDir())
		if code != exitUsage || !strings.Contains(stderr, "zone") {
			t.Errorf("tlsecho cert -hosts %s: exit %d, %s", h, code, stderr)
		}
	}
}
