package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"software.sslmate.com/src/go-pkcs12"
)

// certRun runs `tlsecho cert args...` in process.
func certRun(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"cert"}, args...), nil, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// certMust runs `tlsecho cert` and fails the test unless it succeeds.
func certMust(t testing.TB, args ...string) (stdout string) {
	t.Helper()
	code, stdout, stderr := certRun(t, args...)
	if code != exitOK {
		t.Fatalf("tlsecho cert %q: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	return stdout
}

// certEnvLine finds the printed TLSECHO_CERT_FILE=... TLSECHO_KEY_FILE=...
// line and returns the two paths.
func certEnvLine(t testing.TB, stdout string) (certFile, keyFile string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*TLSECHO_CERT_FILE=(\S+) TLSECHO_KEY_FILE=(\S+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no TLSECHO_CERT_FILE=... TLSECHO_KEY_FILE=... line in:\n%s", stdout)
	}
	return m[1], m[2]
}

// certParse reads the first certificate of a PEM file.
func certParse(t testing.TB, file string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM", file)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// certPool is a pool holding only the first certificate of file.
func certPool(t testing.TB, file string) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(certParse(t, file))
	return pool
}

// certHealthz does GET /healthz on the HTTPS port with cfg, verifying the
// server; it returns the error of the request, if any.
func certHealthz(addr string, cfg *tls.Config) error {
	tr := &http.Transport{TLSClientConfig: cfg, TLSHandshakeTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		return &unexpectedResponse{resp.StatusCode, string(body)}
	}
	return nil
}

type unexpectedResponse struct {
	status int
	body   string
}

func (e *unexpectedResponse) Error() string {
	return "unexpected response " + http.StatusText(e.status) + ": " + e.body
}

// certDialWSS opens a wss echo connection with cfg.
func certDialWSS(addr string, cfg *tls.Config) (*websocket.Conn, error) {
	d := websocket.Dialer{TLSClientConfig: cfg, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial("wss://"+addr+"/ws", nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return c, err
}

// certWSEcho sends msg and checks it comes back.
func certWSEcho(t testing.TB, c *websocket.Conn, msg string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("wss write: %v", err)
	}
	typ, got, err := c.ReadMessage()
	if err != nil || typ != websocket.TextMessage || string(got) != msg {
		t.Fatalf("wss echo: type %d %q %v; want %q", typ, got, err, msg)
	}
}

// certRawEcho sends msg on an open raw TLS connection and checks the echo.
func certRawEcho(t testing.TB, c *tls.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("raw write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("raw read echo: %v", err)
	}
	if string(got) != msg {
		t.Fatalf("raw echo %q, want %q", got, msg)
	}
}

func withServerName(pool *x509.CertPool, name string) *tls.Config {
	return &tls.Config{RootCAs: pool, ServerName: name}
}

// TestCertServesBothPorts: what `tlsecho cert` writes, used through the
// printed environment line, serves both ports to clients that verify it,
// for each key type and for a name and an IP address.
func TestCertServesBothPorts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantKey string
	}{
		{"ecdsa p-256 by default", nil, "ECDSA P-256"},
		{"rsa 2048", []string{"-rsa"}, "RSA-2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tls")
			stdout := certMust(t, append([]string{"-hosts", "localhost,127.0.0.1,::1", "-out", dir}, tt.args...)...)
			certFile, keyFile := certEnvLine(t, stdout)
			if certFile != filepath.Join(dir, "cert.pem") || keyFile != filepath.Join(dir, "key.pem") {
				t.Errorf("env line names %s and %s, want DIR/cert.pem and DIR/key.pem", certFile, keyFile)
			}
			leaf := certParse(t, certFile)
			switch k := leaf.PublicKey.(type) {
			case *ecdsa.PublicKey:
				if tt.wantKey != "ECDSA P-256" || k.Curve != elliptic.P256() {
					t.Errorf("ECDSA key on %s, want %s", k.Curve.Params().Name, tt.wantKey)
				}
			case *rsa.PublicKey:
				if tt.wantKey != "RSA-2048" || k.N.BitLen() != 2048 {
					t.Errorf("RSA key of %d bits, want %s", k.N.BitLen(), tt.wantKey)
				}
			default:
				t.Errorf("key %T, want %s", k, tt.wantKey)
			}
			if !strings.Contains(stdout, tt.wantKey) {
				t.Errorf("output does not name the key type %s:\n%s", tt.wantKey, stdout)
			}
			if !slices.Equal(leaf.DNSNames, []string{"localhost"}) || len(leaf.IPAddresses) != 2 {
				t.Errorf("SANs: DNS %q IP %v", leaf.DNSNames, leaf.IPAddresses)
			}

			ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
			pool := certPool(t, certFile)
			for _, name := range []string{"localhost", "127.0.0.1"} {
				ta.echoOnce(t, withServerName(pool, name), "hello "+name+"\n")
				if err := certHealthz(ta.HTTPSAddr, withServerName(pool, name)); err != nil {
					t.Errorf("GET /healthz as %s: %v", name, err)
				}
			}
			// A name not in the certificate is refused: verification is real.
			if err := certHealthz(ta.HTTPSAddr, withServerName(pool, "other.test")); err == nil {
				t.Error("a client asking for other.test accepted the certificate")
			}
		})
	}
}

// TestCertCA: with -ca the leaf is issued by a local CA that openssl and
// Go both accept as the only root, the CA is reused by later runs, and
// the output says how to trust it.
func TestCertCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout := certMust(t, "-ca", "-hosts", "localhost,127.0.0.1", "-out", dir)
	caFile := filepath.Join(dir, "ca.pem")
	certFile, keyFile := certEnvLine(t, stdout)
	for _, want := range []string{
		"Created a new local CA",
		caFile,
		"update-ca-certificates",
		"security add-trusted-cert",
		"certutil -addstore",
		"certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n tlsecho -i " + caFile,
		"https://localhost:8443/",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	ca := certParse(t, caFile)
	if !ca.IsCA {
		t.Fatal("ca.pem is not a CA")
	}

	if openssl, err := exec.LookPath("openssl"); err != nil {
		t.Log("openssl not installed; skipping openssl verify")
	} else {
		out, err := exec.Command(openssl, "verify", "-CAfile", caFile, certFile).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "OK") {
			t.Errorf("openssl verify: %v\n%s", err, out)
		}
		// The check can fail: a CA that did not issue the leaf is refused.
		other := filepath.Join(t.TempDir(), "other")
		certMust(t, "-ca", "-out", other)
		if out, err := exec.Command(openssl, "verify", "-CAfile", filepath.Join(other, "ca.pem"), certFile).CombinedOutput(); err == nil {
			t.Errorf("openssl verify accepted another CA:\n%s", out)
		}
	}

	// A Go client with only the CA as root, on both ports.
	ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
	roots := certPool(t, caFile)
	ta.echoOnce(t, withServerName(roots, "localhost"), "via the local CA\n")
	if err := certHealthz(ta.HTTPSAddr, withServerName(roots, "127.0.0.1")); err != nil {
		t.Errorf("GET /healthz trusting only the CA: %v", err)
	}
	c, err := certDialWSS(ta.HTTPSAddr, withServerName(roots, "localhost"))
	if err != nil {
		t.Fatalf("wss trusting only the CA: %v", err)
	}
	certWSEcho(t, c, "wss via the local CA")
	c.Close()

	// A second run reuses the CA (already trusted, perhaps) and its leaf
	// verifies against the same root.
	caBefore, _ := os.ReadFile(caFile)
	caKeyBefore, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	stdout = certMust(t, "-ca", "-force", "-hosts", "echo.test", "-out", dir)
	if !strings.Contains(stdout, "Using the local CA") {
		t.Errorf("second run does not say it reused the CA:\n%s", stdout)
	}
	caAfter, _ := os.ReadFile(caFile)
	caKeyAfter, _ := os.ReadFile(filepath.Join(dir, "ca-key.pem"))
	if !bytes.Equal(caBefore, caAfter) || !bytes.Equal(caKeyBefore, caKeyAfter) {
		t.Error("a second run with -force replaced the CA")
	}
	if _, err := certParse(t, certFile).Verify(x509.VerifyOptions{Roots: roots, DNSName: "echo.test"}); err != nil {
		t.Errorf("second leaf does not verify against the first CA: %v", err)
	}
}

// TestCertCABroken: a CA certificate without its key is an error that
// says what to do, not a silently new CA.
func TestCertCABroken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certMust(t, "-ca", "-out", dir)
	if err := os.Remove(filepath.Join(dir, "ca-key.pem")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := certRun(t, "-ca", "-force", "-out", dir)
	if code != exitFailure || !strings.Contains(stderr, "without its key") {
		t.Errorf("exit %d, stderr %q; want 1 and 'without its key'", code, stderr)
	}
}

// TestCertCAEncryptedKey: a local CA whose key was encrypted (keeping
// ca-key.pem private, as advised) is refused with the file and the reason,
// not "failed to parse private key", in words about the CA key and how
// to decrypt it (not the server's, which said the server cannot ask for
// a passphrase), and nothing is written.
func TestCertCAEncryptedKey(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed (apt-get install -y openssl)")
	}
	dir := t.TempDir()
	certMust(t, "-ca", "-out", dir)
	// Another directory, as for a client certificate: ca.pem copied, the
	// key encrypted on the way.
	other := t.TempDir()
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "ca.pem"), caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "pkey", "-in", filepath.Join(dir, "ca-key.pem"), "-aes256", "-passout", "pass:secret",
		"-out", filepath.Join(other, "ca-key.pem")).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	code, _, stderr := certRun(t, "-ca", "-out", other)
	if code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitFailure, stderr)
	}
	key := filepath.Join(other, "ca-key.pem")
	for _, want := range []string{"the local CA key " + key + " is encrypted", "encrypted keys are not supported",
		"openssl pkey -in " + key + " -out " + filepath.Join(other, "ca-plain.key")} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not contain %q", stderr, want)
		}
	}
	// The words for the server's own key have no place here.
	if strings.Contains(stderr, "server") {
		t.Errorf("stderr %q speaks of a server", stderr)
	}
	if _, err := os.Stat(filepath.Join(other, "cert.pem")); err == nil {
		t.Error("cert.pem written with a CA that could not be loaded")
	}
}

// TestCertP12: the PKCS#12 bundle opens with its password in openssl and
// in Go, holds the key of cert.pem, and the CA with -ca.
func TestCertP12(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		password string // empty: generated, read from the output
		wantCAs  int
	}{
		{"given password", []string{"-p12-password", "correct horse"}, "correct horse", 0},
		{"generated password", nil, "", 0},
		{"with the local CA", []string{"-ca", "-p12-password", "s3cret"}, "s3cret", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			stdout := certMust(t, append([]string{"-p12", "-out", dir}, tt.args...)...)
			pw := tt.password
			if pw == "" {
				m := regexp.MustCompile(`its password is "([^"]+)"`).FindStringSubmatch(stdout)
				if m == nil {
					t.Fatalf("no generated password in the output:\n%s", stdout)
				}
				pw = m[1]
				if len(pw) < 20 {
					t.Errorf("generated password %q is short", pw)
				}
			} else if strings.Contains(stdout, pw) {
				t.Errorf("output repeats the given password:\n%s", stdout)
			}
			p12 := filepath.Join(dir, "cert.p12")
			data, err := os.ReadFile(p12)
			if err != nil {
				t.Fatal(err)
			}
			key, leaf, cas, err := pkcs12.DecodeChain(data, pw)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !leaf.Equal(certParse(t, filepath.Join(dir, "cert.pem"))) {
				t.Error("the bundle holds another certificate than cert.pem")
			}
			if signer, ok := key.(crypto.Signer); !ok || !leaf.PublicKey.(*ecdsa.PublicKey).Equal(signer.Public()) {
				t.Error("the bundle's key does not belong to its certificate")
			}
			if len(cas) != tt.wantCAs {
				t.Errorf("bundle has %d CA certificates, want %d", len(cas), tt.wantCAs)
			}
			if _, _, _, err := pkcs12.DecodeChain(data, pw+"x"); err == nil {
				t.Error("the bundle opened with a wrong password")
			}

			openssl, err := exec.LookPath("openssl")
			if err != nil {
				t.Skip("openssl not installed (apt-get install -y openssl)")
			}
			out, err := exec.Command(openssl, "pkcs12", "-info", "-in", p12, "-passin", "pass:"+pw, "-noout").CombinedOutput()
			if err != nil {
				t.Errorf("openssl pkcs12 -info: %v\n%s", err, out)
			}
			if out, err := exec.Command(openssl, "pkcs12", "-info", "-in", p12, "-passin", "pass:wrong", "-noout").CombinedOutput(); err == nil {
				t.Errorf("openssl opened the bundle with a wrong password:\n%s", out)
			}
		})
	}
}

// TestCertRefusesOverwrite: existing files stay as they are without
// -force, and nothing new is left behind by the refused run.
func TestCertRefusesOverwrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing []string // files created before the run
		args     []string
	}{
		{"cert and key", []string{"cert.pem", "key.pem"}, nil},
		{"only the key", []string{"key.pem"}, nil},
		{"only the certificate", []string{"cert.pem"}, nil},
		{"only the p12", []string{"cert.p12"}, []string{"-p12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.existing {
				if err := os.WriteFile(filepath.Join(dir, f), []byte("precious "+f), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := certRun(t, append([]string{"-out", dir}, tt.args...)...)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			if !strings.Contains(stderr, "already exist") || !strings.Contains(stderr, "-force") {
				t.Errorf("stderr does not explain the refusal: %q", stderr)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != len(tt.existing) {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("directory holds %q after the refused run, want only %q", names, tt.existing)
			}
			for _, f := range tt.existing {
				if got, _ := os.ReadFile(filepath.Join(dir, f)); string(got) != "precious "+f {
					t.Errorf("%s was changed to %q", f, got)
				}
			}

			// -force replaces them with a working pair.
			certMust(t, append([]string{"-out", dir, "-force"}, tt.args...)...)
			if _, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")); err != nil {
				t.Errorf("after -force: %v", err)
			}
		})
	}
}

// TestCertFileModes: private keys are 0600 and the new directory 0700,
// and no temporary file is left behind.
func TestCertFileModes(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "new", "tls")
	certMust(t, "-ca", "-p12", "-out", dir)
	want := map[string]os.FileMode{
		"key.pem":    0o600,
		"ca-key.pem": 0o600,
		"cert.p12":   0o600,
		"cert.pem":   0o644,
		"ca.pem":     0o644,
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		mode, ok := want[e.Name()]
		if !ok {
			t.Errorf("unexpected file %s left in the directory", e.Name())
			continue
		}
		if got := info.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %o, want %o", e.Name(), got, mode)
		}
		delete(want, e.Name())
	}
	for name := range want {
		t.Errorf("%s was not written", name)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o700 {
		t.Errorf("created directory has mode %o, want 700", got)
	}
}

// TestCertDays: -days sets the validity, and above 398 the command warns
// (browsers refuse such leaves) but still writes the certificate.
func TestCertDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		days     string
		wantDays int
		wantWarn bool
	}{
		{"default a year", "", 365, false},
		{"one day", "1", 1, false},
		{"398 is the browser limit", "398", 398, false},
		{"over the browser limit warns", "500", 500, true},
		// flag.IntVar read a leading zero as octal: 245 days.
		{"a leading zero is decimal", "0365", 365, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"-out", dir}
			if tt.days != "" {
				args = append(args, "-days", tt.days)
			}
			code, stdout, stderr := certRun(t, args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			leaf := certParse(t, filepath.Join(dir, "cert.pem"))
			want := time.Duration(tt.wantDays) * 24 * time.Hour
			if got := time.Until(leaf.NotAfter); got > want || got < want-time.Minute {
				t.Errorf("valid for another %v, want %v", got, want)
			}
			if warned := strings.Contains(stderr, "warning") && strings.Contains(stderr, "398"); warned != tt.wantWarn {
				t.Errorf("warned %v, want %v; stderr %q", warned, tt.wantWarn, stderr)
			}
			if !strings.Contains(stdout, leaf.NotAfter.Format(time.DateOnly)) {
				t.Errorf("output does not give the expiry date:\n%s", stdout)
			}
		})
	}
}

var certUsageTests = []struct {
	name       string
	args       []string
	wantCode   int
	wantStderr string
}{
	{"no -out", []string{"-hosts", "localhost"}, exitUsage, "-out DIR is required"},
	{"unknown flag", []string{"-out", "x", "-bogus"}, exitUsage, "-bogus"},
	{"positional host", []string{"-out", "x", "localhost"}, exitUsage, `unexpected argument "localhost"`},
	{"zero days", []string{"-out", "x", "-days", "0"}, exitUsage, "-days 0"},
	{"days past a Duration", []string{"-out", "x", "-days", "200000"}, exitUsage, "-days 200000: must be from 1 to 36500"},
	{"empty p12 password", []string{"-out", "x", "-p12", "-p12-password", ""}, exitUsage, "-p12-password is empty"},
	{"days not a number", []string{"-out", "x", "-days", "soon"}, exitUsage, "-days"},
	{"days in hexadecimal", []string{"-out", "x", "-days", "0x10"}, exitUsage, `invalid value "0x10" for flag -days: want a whole number in decimal`},
	{"empty hosts", []string{"-out", "x", "-hosts", " , "}, exitUsage, "-hosts is empty"},
	{"host with port", []string{"-out", "x", "-hosts", "localhost:8443"}, exitUsage, "not a host name"},
	{"host as URL", []string{"-out", "x", "-hosts", "https://example.test"}, exitUsage, "not a host name"},
	// Typos of IPv4 addresses: clients parse them as addresses (127.1 is
	// 127.0.0.1 to curl and browsers) or not at all, never as a DNS name.
	{"IPv4 out of range", []string{"-out", "x", "-hosts", "localhost,10.0.0.256"}, exitUsage, `"10.0.0.256" is not an IP address`},
	{"short IPv4", []string{"-out", "x", "-hosts", "127.1"}, exitUsage, `"127.1" is not an IP address`},
	// Certificates hold the "xn--" form browsers send; the error gives it.
	{"internationalized name", []string{"-out", "x", "-hosts", "localhost,Bücher.example"}, exitUsage, `write "xn--bcher-kva.example"`},
	{"internationalized wildcard", []string{"-out", "x", "-hosts", "*.münchen.test"}, exitUsage, `write "*.xn--mnchen-3ya.test"`},
	{"internationalized name, ideographic full stop", []string{"-out", "x", "-hosts", "bücher。example"}, exitUsage, `write "xn--bcher-kva.example"`},
	// An ASCII form that is no host name either is not offered to copy.
	{"internationalized name with a character no name has", []string{"-out", "x", "-hosts", "bü!cher.example"}, exitUsage,
		`"bü!cher.example" is an internationalized name, but its ASCII form "xn--b!cher-3ya.example" is not a valid host name`},
	{"internationalized label too long in ASCII", []string{"-out", "x", "-hosts", "ü" + strings.Repeat("a", 62) + ".example"}, exitUsage,
		"is an internationalized name, but its ASCII form"},
	{"label begins with a hyphen", []string{"-out", "x", "-hosts", "-a.example"}, exitUsage, `the label "-a" begins or ends with a hyphen`},
	{"label ends with a hyphen", []string{"-out", "x", "-hosts", "localhost,a-.example"}, exitUsage, `the label "a-" begins or ends with a hyphen`},
	{"p12 password without p12", []string{"-out", "x", "-p12-password", "pw"}, exitUsage, "-p12-password needs -p12"},
	{"client without its name", []string{"-out", "x", "-client"}, exitUsage, "-client needs -hosts with the client's name"},
}

func TestCertUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range certUsageTests {
		t.Run(tt.name, func(t *testing.T) {
			cwd := t.TempDir()
			args := slices.Clone(tt.args)
			for i, a := range args {
				if a == "x" {
					args[i] = filepath.Join(cwd, "x")
				}
			}
			code, stdout, stderr := certRun(t, args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.wantStderr) || !strings.Contains(stderr, "tlsecho cert -h") {
				t.Errorf("stderr %q does not contain %q and a pointer to -h", stderr, tt.wantStderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if _, err := os.Stat(filepath.Join(cwd, "x")); err == nil {
				t.Error("a refused command created the output directory")
			}
		})
	}

	code, stdout, stderr := certRun(t, "-h")
	if code != exitOK || stderr != "" {
		t.Errorf("-h: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"-hosts", "-out", "-rsa", "-days", "-force", "-ca", "-p12", "-p12-password", "TLSECHO_CERT_FILE", "Exit status: 0", "1 failed", "2 bad arguments"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("-h does not mention %q:\n%s", want, stdout)
		}
	}
	var top bytes.Buffer
	run(context.Background(), []string{"-h"}, nil, nil, &top, io.Discard)
	if !strings.Contains(top.String(), "tlsecho cert") {
		t.Errorf("tlsecho -h does not list the cert command:\n%s", top.String())
	}
}

// TestCertPrintedURL: the https:// URL the summary suggests (the curl
// line, or the browser's with -ca) names a host the certificate is valid
// for. A wildcard covers one label under its domain, never the domain
// itself.
func TestCertPrintedURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"names", []string{"-hosts", "echo.test,localhost"}},
		{"IPv6", []string{"-hosts", "::1"}},
		{"IPv4-mapped, in brackets", []string{"-hosts", "[::ffff:127.0.0.1]"}},
		{"IPv6 with leading zeros", []string{"-hosts", "2001:0db8::0001"}},
		{"wildcard", []string{"-hosts", "*.apps.test"}},
		{"wildcard, with -ca", []string{"-hosts", "*.apps.test", "-ca"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			stdout := certMust(t, append([]string{"-out", dir}, tt.args...)...)
			m := regexp.MustCompile(`https://\S+:8443/\S*`).FindString(stdout)
			if m == "" {
				t.Fatalf("no https:// URL in:\n%s", stdout)
			}
			u, err := url.Parse(m)
			if err != nil || u.Port() != "8443" {
				t.Fatalf("the printed URL %s does not parse as one with port 8443: %v", m, err)
			}
			if err := certParse(t, filepath.Join(dir, "cert.pem")).VerifyHostname(u.Hostname()); err != nil {
				t.Errorf("the printed URL names %s, for which the certificate is not valid: %v", u.Host, err)
			}
		})
	}
}

// TestCertOutlivingItsCA: a certificate the local CA signs may not be
// valid past the CA's own end, when every client would refuse the chain.
// The refusal leaves nothing behind, not even the CA it made.
func TestCertOutlivingItsCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, _, stderr := certRun(t, "-out", dir, "-ca", "-days", "3700")
	if code != exitFailure || !strings.Contains(stderr, "outlive the local CA") || !strings.Contains(stderr, "-days 3649 or fewer") {
		t.Errorf("a leaf past a new CA: exit %d, stderr %q", code, stderr)
	}
	for _, name := range []string{"cert.pem", "key.pem", "ca.pem", "ca-key.pem"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was left behind", name)
		}
	}
	certMust(t, "-out", dir, "-ca", "-days", "3000")
	code, _, stderr = certRun(t, "-out", dir, "-ca", "-force", "-days", "3650")
	if code != exitFailure || !strings.Contains(stderr, "outlive the local CA") {
		t.Errorf("a leaf past a reused CA: exit %d, stderr %q", code, stderr)
	}
}

// TestCertListsNamesAsHeld: the summary lists the names as the certificate
// holds them, in the order given. An IP address written in a URL's
// brackets, with leading zeros or IPv4-mapped goes into the SAN as its
// bytes, and a user comparing the list with the certificate, or copying a
// name from it, must find the same text.
func TestCertListsNamesAsHeld(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdout := certMust(t, "-out", dir, "-hosts", "[::ffff:127.0.0.1],2001:0db8::0001,[::1],echo.test,10.0.0.1")
	var listed []string
	for _, m := range regexp.MustCompile(`(?m)^ - "([^"]*)"$`).FindAllStringSubmatch(stdout, -1) {
		listed = append(listed, m[1])
	}
	leaf := certParse(t, filepath.Join(dir, "cert.pem"))
	held := slices.Clone(leaf.DNSNames)
	for _, ip := range leaf.IPAddresses {
		held = append(held, ip.String())
	}
	want := []string{"127.0.0.1", "2001:db8::1", "::1", "echo.test", "10.0.0.1"}
	if !slices.Equal(listed, want) {
		t.Errorf("listed %q, want %q:\n%s", listed, want, stdout)
	}
	slices.Sort(held)
	slices.Sort(want)
	if !slices.Equal(held, want) {
		t.Errorf("the certificate holds %q, want %q", held, want)
	}
}

// TestCertForceLeavesNoStaleP12: -force without -p12 replaces the pair,
// and the cert.p12 of an earlier run, which held the replaced certificate
// and key, does not stay beside it to be imported by mistake.
func TestCertForceLeavesNoStaleP12(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certMust(t, "-p12", "-p12-password", "pw", "-hosts", "old.example", "-out", dir)
	out := certMust(t, "-force", "-hosts", "new.example", "-out", dir)
	p12Path := filepath.Join(dir, "cert.p12")
	data, err := os.ReadFile(p12Path)
	if err == nil {
		_, leaf, _, _ := pkcs12.DecodeChain(data, "pw")
		t.Fatalf("%s stays after -force, holding %v beside a cert.pem for %v", p12Path, leaf.DNSNames, certParse(t, filepath.Join(dir, "cert.pem")).DNSNames)
	}
	if !strings.Contains(out, p12Path) {
		t.Errorf("the summary does not say %s was removed:\n%s", p12Path, out)
	}
}

// TestCertRefusesBesideStaleP12: without -force, a cert.p12 left from an
// earlier run whose pair was deleted is not left beside a new pair that
// it does not match: the run refuses, naming it, and writes nothing.
func TestCertRefusesBesideStaleP12(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certMust(t, "-p12", "-p12-password", "pw", "-hosts", "old.example", "-out", dir)
	for _, f := range []string{"cert.pem", "key.pem"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	code, _, stderr := certRun(t, "-hosts", "new.example", "-out", dir)
	if p12 := filepath.Join(dir, "cert.p12"); code != exitFailure || !strings.Contains(stderr, p12) || !strings.Contains(stderr, "-force") {
		t.Fatalf("exit %d, stderr %q; want %d naming %s and -force", code, stderr, exitFailure, p12)
	}
	if _, err := os.Lstat(filepath.Join(dir, "cert.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cert.pem written beside the stale cert.p12 (%v)", err)
	}
}

// manyHosts is a -hosts list of n names.
func manyHosts(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("h%d.example", i)
	}
	return strings.Join(names, ",")
}

// TestCertTooManyHosts: hosts that would make a certificate larger than
// OpenSSL, curl and browsers take in a handshake are refused, and nothing
// is written. The 117 KiB certificate of 8,000 names was written and
// printed as ready to serve, and the server then refused to load it as
// "more than the 100 KiB ... (was a CA bundle appended?)".
func TestCertTooManyHosts(t *testing.T) {
	t.Parallel()
	// Into directories the run makes: a failed run leaves none behind.
	top := filepath.Join(t.TempDir(), "new")
	dir := filepath.Join(top, "certs")
	code, _, stderr := certRun(t, "-hosts", manyHosts(8000), "-out", dir)
	if code != exitFailure {
		t.Fatalf("exit %d, stderr %q; want %d", code, stderr, exitFailure)
	}
	for _, want := range []string{"8000 hosts", "KiB", "fewer"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	if _, err := os.Lstat(top); !errors.Is(err, fs.ErrNotExist) {
		entries, _ := os.ReadDir(dir)
		t.Errorf("the failed run left %s behind (%v), holding %d files", top, err, len(entries))
	}
	// A long list that fits is made.
	certMust(t, "-hosts", manyHosts(1000), "-out", dir)
}

// TestCertWarnsOfWildcardBrowsersRefuse: a wildcard with one label after
// it (*.localhost, *.test) is written, with a warning naming it: headless
// Chromium refused each such certificate, trusted CA and all, with
// ERR_CERT_COMMON_NAME_INVALID, and curl and OpenSSL with "hostname
// mismatch", while they took *.wild.example; Go clients take both. The client certificate's names are not checked by
// browsers, so -client gets no warning.
func TestCertWarnsOfWildcardBrowsersRefuse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		args  []string
		warns []string // the hosts named in the warning; none for no warning
	}{
		{"one label", []string{"-hosts", "*.localhost,localhost,*.test"}, []string{`"*.localhost"`, `"*.test"`}},
		{"two labels", []string{"-hosts", "*.wild.example,localhost"}, nil},
		{"client", []string{"-client", "-hosts", "*.localhost"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := certRun(t, append(tt.args, "-out", t.TempDir())...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if len(tt.warns) == 0 {
				if stderr != "" {
					t.Errorf("stderr %q, want none", stderr)
				}
				return
			}
			for _, want := range append(tt.warns, "warning", "browsers") {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr %q does not say %s", stderr, want)
				}
			}
		})
	}
}
