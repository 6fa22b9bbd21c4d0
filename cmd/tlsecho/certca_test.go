package main

import (
	"crypto/tls"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestCertCAsNamedApart: two local CAs, made in two directories, have
// different names, so a server trusting one refuses a client certificate
// of the other as signed by an unknown authority, in words that say so
// in /hellos, not as a failed signature check against a CA of the same
// name.
func TestCertCAsNamedApart(t *testing.T) {
	t.Parallel()
	trusted, other := t.TempDir(), t.TempDir()
	certMust(t, "-ca", "-out", trusted)
	certMust(t, "-ca", "-client", "-hosts", "bob", "-out", other)
	a := certParse(t, filepath.Join(trusted, "ca.pem")).Subject.String()
	b := certParse(t, filepath.Join(other, "ca.pem")).Subject.String()
	if a == b || !strings.Contains(a, "tlsecho local CA") || !strings.Contains(b, "tlsecho local CA") {
		t.Errorf("CA subjects %q and %q: want two tlsecho local CAs, named apart", a, b)
	}

	ta := startApp(t, map[string]string{"CLIENT_CA_FILE": filepath.Join(trusted, "ca.pem")})
	bob, err := tls.LoadX509KeyPair(filepath.Join(other, "cert.pem"), filepath.Join(other, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := ta.clientTLS()
	// Sent whatever CAs the server names, as openssl s_client and curl
	// do; crypto/tls would otherwise keep it back.
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &bob, nil }
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ta.TLSAddr, cfg)
	if err == nil {
		// TLS 1.3: the refusal arrives with the first read.
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "x")
		_, err = c.Read(make([]byte, 1))
		c.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "unknown certificate authority") {
		t.Errorf("client of another CA: %v, want the unknown_ca alert", err)
	}
	e := waitHellos(t, ta, "?listener=tls", 1)
	if len(e) != 1 {
		t.Fatalf("/hellos: %+v", e)
	}
	if o := e[0].Outcome; !strings.Contains(o, "unknown authority") || strings.Contains(o, "verification failure") {
		t.Errorf("/hellos outcome %q: want unknown authority, and no failed signature check", o)
	}
}

// TestCertCANameFitsLongHost: on a machine with a long host name (an EC2
// instance's is 43 characters) the local CA's common name stays within
// the 64 characters RFC 5280 allows, and still ends with the digits that
// tell it apart. The command runs with a host name of 63 characters in a
// UTS namespace of its own; without one (not root) the test skips.
func TestCertCANameFitsLongHost(t *testing.T) {
	t.Parallel()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare")
	}
	host := "ip-172-31-22-104.eu-west-1.compute.internal.tlsecho-test.example"[:63]
	if out, err := exec.Command(unshare, "--uts", "hostname", host).CombinedOutput(); err != nil {
		t.Skipf("cannot set a host name in a UTS namespace here: %v %s", err, out)
	}
	dir := t.TempDir()
	cmd := command(t, nil, "cert", "-ca", "-out", dir)
	cmd.Args = append([]string{unshare, "--uts", "sh", "-c", `hostname "$0" && exec "$@"`, host}, cmd.Args...)
	cmd.Path = unshare
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tlsecho cert -ca: %v\n%s", err, out)
	}
	cn := certParse(t, filepath.Join(dir, "ca.pem")).Subject.CommonName
	if n := utf8.RuneCountInString(cn); n > 64 {
		t.Errorf("CA common name %q is %d characters, over RFC 5280's 64", cn, n)
	}
	if !regexp.MustCompile(`^tlsecho local CA \S*@ip-172-31-\S* [0-9a-f]{8}$`).MatchString(cn) {
		t.Errorf("CA common name %q: want tlsecho local CA, user@host cut short, eight hex digits", cn)
	}
}
