package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// clientResult is one run of clientCmd.
type clientResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// runClient calls the command in-process with stdin and buffers.
func runClient(t *testing.T, stdin string, args ...string) clientResult {
	t.Helper()
	var out, errb bytes.Buffer
	start := time.Now()
	code := clientCmd(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	r := clientResult{code: code, stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tlsecho client %s: exit %d in %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.took, r.stdout, r.stderr)
		}
	})
	return r
}

func (r clientResult) want(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d", r.code, code)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q", s)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q", s)
		}
	}
}

// writeCertFile writes the PEM of cert into a temporary file.
func writeCertFile(t *testing.T, cert *x509.Certificate) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// writeGenerated writes a generated certificate and key into dir.
func writeGenerated(t *testing.T, dir, name string, g *certs.Generated) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	if err := os.WriteFile(certFile, g.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, g.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// urls are the two URL kinds of a running app.
func urls(ta *testApp) map[string]string {
	return map[string]string{
		"tls": "tls://" + ta.TLSAddr,
		"wss": "wss://" + ta.HTTPSAddr + "/ws",
	}
}

func TestClientReport(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ca := writeCertFile(t, ta.src.Leaf())
	fp := tlsinfo.DescribeCertificate(ta.src.Leaf()).SHA256Colons()
	_, port, _ := net.SplitHostPort(ta.TLSAddr)
	common := []string{
		"subject       CN=localhost,O=tlsecho",
		"issuer        CN=localhost,O=tlsecho (self-signed)",
		"SANs          DNS:localhost, IP:127.0.0.1, IP:::1",
		"days left)",
		"key           ECDSA P-256",
		"SHA-256       " + fp,
		"version       TLS 1.3",
		"cipher        TLS_AES_",
		"resumed       no",
		"handshake     ",
		"verified      yes, up to CN=localhost,O=tlsecho",
		"client cert   not requested",
		"echo          hello  (5 bytes, ",
	}
	tests := []struct {
		name   string
		args   []string
		stdout []string
	}{
		{"tls", []string{"-ca", ca, urls(ta)["tls"], "hello"},
			[]string{"ALPN          (none)", "SNI           (none: 127.0.0.1 is an IP address"}},
		{"wss", []string{"-ca", ca, urls(ta)["wss"], "hello"},
			[]string{"ALPN          http/1.1", "status        101 Switching Protocols", "subprotocol   (none)", "extensions    (none)"}},
		{"wss subprotocol", []string{"-ca", ca, "-subprotocol", "chat, echo", urls(ta)["wss"], "hello"},
			[]string{"subprotocol   chat"}},
		{"name in URL is SNI", []string{"-ca", ca, "tls://localhost:" + port, "hello"},
			[]string{"SNI           localhost"}},
		{"flags after the URL", []string{urls(ta)["tls"], "hello", "-ca", ca, "-timeout", "3s"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, "", tt.args...)
			r.want(t, exitOK, append(common, tt.stdout...), nil)
			if r.stderr != "" {
				t.Errorf("stderr not empty: %q", r.stderr)
			}
		})
	}
}

func TestClientCompression(t *testing.T) {
	t.Parallel()
	// The report shows what was negotiated, not what was offered: the
	// server leaves permessage-deflate off unless configured.
	tests := []struct {
		name   string
		server string
		want   string
	}{
		{"server default", "false", "extensions    (none)"},
		{"server allows it", "true", "extensions    permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := startApp(t, map[string]string{"WS_COMPRESSION": tt.server})
			r := runClient(t, "", "-insecure", "-compress", "-n", "2", urls(ta)["wss"], strings.Repeat("squeeze ", 64))
			r.want(t, exitOK, []string{tt.want, "echo 2/2"}, nil)
		})
	}
}

func TestClientInsecure(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for kind, u := range urls(ta) {
		t.Run(kind, func(t *testing.T) {
			r := runClient(t, "", "-insecure", u, "hi")
			r.want(t, exitOK,
				[]string{"verified      NO (-insecure); it would fail: certificate signed by unknown authority", "echo          hi"},
				[]string{"tlsecho client: WARNING: -insecure"})
		})
	}
}

// expiredPair writes a self-signed certificate for localhost that expired
// a day ago, and its key.
func expiredPair(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	der, key := selfSigned(t, &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-48 * time.Hour),
		NotAfter:     time.Now().Add(-24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writeGenerated(t, t.TempDir(), "expired", &certs.Generated{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	})
}

// selfSigned makes the self-signed certificate tmpl describes, with a new
// ECDSA P-256 key.
func selfSigned(t *testing.T, tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func TestClientVerificationFailures(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ca := writeCertFile(t, ta.src.Leaf())
	expCert, expKey := expiredPair(t)
	expired := startApp(t, map[string]string{"CERT_FILE": expCert, "KEY_FILE": expKey})

	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown CA over tls", []string{urls(ta)["tls"], "x"},
			"tlsecho client: certificate signed by unknown authority: the server's certificate is self-signed"},
		{"unknown CA over wss", []string{urls(ta)["wss"], "x"},
			"tlsecho client: certificate signed by unknown authority: the server's certificate is self-signed"},
		{"name mismatch", []string{"-ca", ca, "-servername", "wrong.example", urls(ta)["tls"], "x"},
			"tlsecho client: certificate is valid for localhost, 127.0.0.1, ::1, not wrong.example"},
		{"expired", []string{"-ca", expCert, urls(expired)["tls"], "x"},
			"tlsecho client: certificate expired on " + expired.src.Leaf().NotAfter.UTC().Format("2006-01-02 15:04:05 UTC")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, "", tt.args...)
			// The refused chain is still shown: it is what one needs to fix it.
			r.want(t, exitFailure, []string{"subject       CN=localhost"}, []string{tt.stderr})
			if strings.Contains(r.stdout, "\necho\n") {
				t.Error("a message was sent over an unverified connection")
			}
		})
	}
}

func TestClientExpiredInsecureWarns(t *testing.T) {
	t.Parallel()
	expCert, expKey := expiredPair(t)
	ta := startApp(t, map[string]string{"CERT_FILE": expCert, "KEY_FILE": expKey})
	r := runClient(t, "", "-insecure", urls(ta)["tls"], "x")
	r.want(t, exitOK, []string{"(WARNING: EXPIRED 1 day ago)", "it would fail: certificate expired on"}, []string{"WARNING: -insecure"})
}

// stallListener accepts TCP connections and holds them without reading or
// writing, like a stuck server or a proxy with no backend.
func stallListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	t.Cleanup(func() { // after acceptLoop's, which runs first
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	acceptLoop(t, ln, func(c net.Conn) {
		mu.Lock()
		held = append(held, c)
		mu.Unlock()
	})
	return ln.Addr().String()
}

// acceptLoop hands each connection ln accepts to handle, on the loop's
// goroutine, until the test ends; then it closes ln and waits for the
// loop.
func acceptLoop(t *testing.T, ln net.Listener, handle func(net.Conn)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
}

// silentTLSListener completes TLS handshakes and then says nothing, like
// an HTTPS server that never answers the upgrade request.
func silentTLSListener(t *testing.T) string {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*g.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	conns := make(chan net.Conn, 16)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				c.(*tls.Conn).HandshakeContext(t.Context())
				conns <- c
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestClientTimeout(t *testing.T) {
	t.Parallel()
	stall := stallListener(t)
	silent := silentTLSListener(t)
	tests := []struct {
		name string
		url  string
		want string
	}{
		{"tls, no handshake", "tls://" + stall, "tlsecho client: no TLS handshake from " + stall + " within 1s: the server accepted TCP but did not answer"},
		{"wss, no handshake", "wss://" + stall + "/ws", "tlsecho client: no TLS handshake from " + stall + " within 1s: the server accepted TCP but did not answer"},
		{"wss, no upgrade response", "wss://" + silent + "/ws", "tlsecho client: no WebSocket upgrade response from " + silent + " within 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, "", "-insecure", "-timeout", "1s", tt.url, "x")
			r.want(t, exitFailure, nil, []string{tt.want})
			// Not before the timeout; after it, promptly: the slack is for
			// a loaded machine, and a client that ignored -timeout would
			// wait for good on these servers.
			if r.took < time.Second || r.took > 4*time.Second {
				t.Errorf("gave up after %v, want about the 1s timeout", r.took)
			}
		})
	}
}

func TestClientConnectFailures(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"refused", []string{"tls://" + closed, "x"}, "tlsecho client: connection refused by " + closed},
		{"wrong path", []string{"-insecure", "wss://" + ta.HTTPSAddr + "/nope", "x"}, "answered HTTP 404 Not Found instead of switching to WebSocket"},
		{"wss to the raw TLS port", []string{"-insecure", "wss://" + ta.TLSAddr + "/ws", "x"}, "did not answer the upgrade request in HTTP"},
		// The HTTPS port waits for the rest of a request...
		{"tls to the HTTPS port", []string{"-insecure", "-timeout", "1s", "tls://" + ta.HTTPSAddr, "x"},
			"within 1s: is it an HTTPS port, waiting for an HTTP request? (then use wss://" + ta.HTTPSAddr + "/ws)"},
		// ... or answers a line that is not one with 400.
		{"tls line to the HTTPS port", []string{"-insecure", "tls://" + ta.HTTPSAddr, "x\n"},
			"differs: sent \"x\\n\", got \"HTT\"; it answered in HTTP: is it an HTTPS port? (then use wss://" + ta.HTTPSAddr + "/ws)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runClient(t, "", tt.args...).want(t, exitFailure, nil, []string{tt.want})
		})
	}
}

func TestClientStdin(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tests := []struct {
		name  string
		url   string
		input string
		want  string // the end of stdout
	}{
		{"tls", urls(ta)["tls"], "one\ntwo\nthree\n", "client cert   not requested\none\ntwo\nthree\n"},
		// The last line has no newline: it is sent and echoed as it is,
		// and the half-close still brings it back.
		{"tls, last line unterminated", urls(ta)["tls"], "one\ntwo", "one\ntwo"},
		{"wss", urls(ta)["wss"], "one\ntwo\nthree\n", "extensions    (none)\none\ntwo\nthree\n"},
		{"wss, CRLF lines", urls(ta)["wss"], "one\r\ntwo\r\n", "one\ntwo\n"},
		{"empty input", urls(ta)["tls"], "", "client cert   not requested\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, tt.input, "-insecure", tt.url)
			r.want(t, exitOK, nil, nil)
			if !strings.HasSuffix(r.stdout, tt.want) {
				t.Errorf("stdout ends %q, want it to end %q", r.stdout[max(0, len(r.stdout)-60):], tt.want)
			}
		})
	}
}

func TestClientRTTs(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for kind, u := range urls(ta) {
		t.Run(kind, func(t *testing.T) {
			r := runClient(t, "", "-insecure", "-n", "5", u, "ping")
			r.want(t, exitOK, []string{"echo 1/5      ping", "echo 5/5      ping", "rtt           min ", " avg ", " max ", "(5 round trips)"}, nil)
			if n := strings.Count(r.stdout, "  ping  (4 bytes, "); n != 5 {
				t.Errorf("%d echoes printed, want 5", n)
			}
		})
	}
}

func TestClientMTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, err := certs.Generate(certs.GenerateOptions{IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"client.example"}, Parent: ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	caFile, _ := writeGenerated(t, dir, "ca", ca)
	certFile, keyFile := writeGenerated(t, dir, "client", leaf)
	ta := startApp(t, map[string]string{"CLIENT_CA_FILE": caFile})
	for kind, u := range urls(ta) {
		t.Run(kind+" with certificate", func(t *testing.T) {
			r := runClient(t, "", "-insecure", "-cert", certFile, "-key", keyFile, u, "x")
			r.want(t, exitOK, []string{"client cert   requested; sent CN=client.example,O=tlsecho", "echo          x"}, nil)
		})
		t.Run(kind+" without certificate", func(t *testing.T) {
			r := runClient(t, "", "-insecure", u, "x")
			r.want(t, exitFailure, nil, []string{"requires a client certificate (mTLS): pass -cert and -key"})
		})
	}
}

func TestClientUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A CA file cut short in its second certificate: the first alone was
	// taken, without a word, and the run went on with fewer CAs.
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	cutCA := filepath.Join(dir, "cut.pem")
	if err := os.WriteFile(cutCA, append(slices.Clone(g.CertPEM), g.CertPEM[:len(g.CertPEM)/2]...), 0o644); err != nil {
		t.Fatal(err)
	}
	// Two blocks, the first with a character no base64 has: pem.Decode
	// passes over it to the second, and so did AppendCertsFromPEM.
	corruptCA := filepath.Join(dir, "corrupt.pem")
	corrupt := "-----BEGIN CERTIFICATE-----\nMII!\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
	if err := os.WriteFile(corruptCA, []byte(corrupt), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no URL", nil, "missing URL"},
		{"bad scheme", []string{"https://localhost:8443/"}, "want tls://host:port or wss://host:port/path"},
		{"tls without port", []string{"tls://localhost"}, "needs a port"},
		// RFC 3986 wants an IPv6 address in brackets; without them Go
		// takes tls://::1 for host ":" and port 1.
		{"IPv6 without brackets", []string{"tls://::1"}, "an IPv6 address goes in brackets: tls://[::1]:8433"},
		{"IPv6 without brackets, with port", []string{"tls://::1:8433"}, "an IPv6 address goes in brackets: tls://[::1]:8433"},
		{"IPv6 without brackets, wss", []string{"wss://2001:db8::1/ws"}, "an IPv6 address goes in brackets: wss://[2001:db8::1]/ws"},
		{"proxy-source IPv6 without brackets", []string{"-proxy-v2", "-proxy-source", "::1:1234", "tls://localhost:8433"}, "[2001:db8::7]:4711"},
		{"bad port", []string{"tls://localhost:99999"}, "is not a number from 1 to 65535"},
		{"tls with path", []string{"tls://localhost:8433/ws"}, "a tls:// URL has no path"},
		{"too many arguments", []string{"tls://localhost:8433", "a", "b"}, "too many arguments"},
		{"unknown flag", []string{"-bogus", "tls://localhost:8433"}, "flag provided but not defined: -bogus"},
		{"cert without key", []string{"-cert", notPEM, "tls://localhost:8433"}, "-cert and -key go together"},
		{"zero timeout", []string{"-timeout", "0s", "tls://localhost:8433"}, "-timeout must be positive"},
		{"n zero", []string{"-n", "0", "tls://localhost:8433", "x"}, "-n must be at least 1"},
		{"n with a leading zero is decimal: 09 is nine, not bad octal", []string{"-n", "09", "-timeout", "0s", "tls://localhost:8433", "x"}, "-timeout must be positive"},
		{"n in hexadecimal", []string{"-n", "0x10", "tls://localhost:8433", "x"}, `invalid value "0x10" for flag -n: want a whole number in decimal`},
		{"n without message", []string{"-n", "3", "tls://localhost:8433"}, "-n needs a MESSAGE"},
		{"missing CA file", []string{"-ca", filepath.Join(dir, "nope.pem"), "tls://localhost:8433"}, "-ca: open "},
		{"CA file without PEM", []string{"-ca", notPEM, "tls://localhost:8433"}, "no PEM certificate found"},
		{"CA file cut short", []string{"-ca", cutCA, "tls://localhost:8433"}, "the PEM block after CA certificate 1 (CN=localhost,O=tlsecho) does not decode (cut short or corrupt)"},
		{"CA file with a corrupt block", []string{"-ca", corruptCA, "tls://localhost:8433"}, "its first PEM block does not decode (cut short or corrupt)"},
		{"bad key pair", []string{"-cert", notPEM, "-key", notPEM, "tls://localhost:8433"}, "-cert " + notPEM},
		{"subprotocol on tls", []string{"-subprotocol", "chat", "tls://localhost:8433"}, "for wss:// URLs only"},
		{"subprotocol not a token", []string{"-subprotocol", "chat, v1.chat;q=1", "wss://localhost:8443/ws"}, `"v1.chat;q=1" is not a token (RFC 6455 section 4.1)`},
		{"subprotocol offered twice", []string{"-subprotocol", "chat,superchat, chat", "wss://localhost:8443/ws"}, `"chat" is offered twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, "", tt.args...)
			r.want(t, exitUsage, nil, []string{tt.want, "tlsecho client -h"})
			if !strings.HasPrefix(r.stderr, "tlsecho client: ") {
				t.Errorf("stderr does not start with the command's prefix: %q", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
		})
	}
}

func TestClientHelp(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"client", "-h"}, nil, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	for _, s := range []string{"Usage: tlsecho client", "-insecure", "-servername", "-timeout", "Exit status:", "0    connected", "1    connection", "2    usage error", "130  interrupted"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("help lacks %q:\n%s", s, out.String())
		}
	}
}

// TestClientProcessExitCodes runs the real binary: the exit status a
// script sees, not only clientCmd's return value.
func TestClientProcessExitCodes(t *testing.T) {
	t.Parallel()
	stall := stallListener(t)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"usage", []string{"client", "ftp://x"}, exitUsage},
		{"timeout", []string{"client", "-timeout", "500ms", "tls://" + stall, "x"}, exitFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := command(t, nil, tt.args...).Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.code {
				t.Fatalf("exit: %v, want code %d", err, tt.code)
			}
		})
	}
}

func TestClientValidity(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		name        string
		from, until time.Time
		want        string
		warn        bool
	}{
		{"fine", now.Add(-day), now.Add(90*day + time.Hour), "(90 days left)", false},
		{"expires soon", now.Add(-day), now.Add(10*day + time.Hour), "(WARNING: expires in 10 days)", true},
		{"expired", now.Add(-10 * day), now.Add(-3*day - time.Hour), "(WARNING: EXPIRED 3 days ago)", true},
		{"not yet valid", now.Add(2*day + time.Hour), now.Add(30 * day), "(WARNING: not valid yet, starts in 2 days)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := validity(&x509.Certificate{NotBefore: tt.from, NotAfter: tt.until}, now)
			if !strings.HasSuffix(got, tt.want) || strings.Contains(got, "WARNING") != tt.warn {
				t.Errorf("validity = %q, want it to end %q", got, tt.want)
			}
			if !strings.HasPrefix(got, fmtTime(tt.from)+" to "+fmtTime(tt.until)) {
				t.Errorf("validity = %q, want the period first", got)
			}
		})
	}
}

func TestClientRSAServer(t *testing.T) {
	t.Parallel()
	// An RSA certificate end to end: key size and a TLS 1.2 suite choice
	// follow from what the server holds.
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}, RSA: true})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := writeGenerated(t, t.TempDir(), "rsa", g)
	ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
	r := runClient(t, "", "-ca", certFile, urls(ta)["tls"], "x")
	r.want(t, exitOK, []string{"key           RSA-2048", "signature     SHA256-RSA"}, nil)

	// In TLS 1.2 the certificate's key type picks the suite: with an RSA
	// key only the ECDHE_RSA AEAD suites can be chosen, on both ports.
	rsaSuites := []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
	cfg := ta.clientTLS()
	cfg.MaxVersion = tls.VersionTLS12
	for _, addr := range []string{ta.TLSAddr, ta.HTTPSAddr} {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: ioWait}, "tcp", addr, cfg)
		if err != nil {
			t.Fatalf("TLS 1.2 to %s: %v", addr, err)
		}
		st := c.ConnectionState()
		c.Close()
		if st.Version != tls.VersionTLS12 || !slices.Contains(rsaSuites, st.CipherSuite) {
			t.Errorf("%s negotiated %s %s, want TLS 1.2 with an ECDHE_RSA AEAD suite",
				addr, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
		}
	}
}

// TestClientStdinSlowEcho: after the end of input the client waits for
// the rest of the echo as long as it keeps coming, and -timeout bounds
// each pause, not the whole rest: piped input that a slow link (bw)
// echoes for longer than -timeout comes back whole. A server that sends
// nothing more is still given up on after -timeout.
func TestClientStdinSlowEcho(t *testing.T) {
	t.Parallel()
	// 16 KiB at 4 KiB/s: at least four seconds of echo (the pacer gives
	// no burst), a third more than the -timeout, every 250 ms a piece of
	// 1 KiB.
	// The -timeout also bounds the handshake and the upgrade, and any
	// pause the machine makes: 1s, with two seconds of echo, failed on a
	// loaded machine under -race.
	ta := startApp(t, map[string]string{"FAULT": "bw:4KiB"})
	in := strings.Repeat(strings.Repeat("x", 1023)+"\n", 16)
	for kind, u := range urls(ta) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			r := runClient(t, in, "-insecure", "-timeout", "3s", u)
			r.want(t, exitOK, nil, nil)
			if !strings.HasSuffix(r.stdout, in) {
				t.Errorf("stdout ends %q, want the whole input back", r.stdout[max(0, len(r.stdout)-60):])
			}
		})
	}
	t.Run("silent", func(t *testing.T) {
		t.Parallel()
		r := runClient(t, "x\n", "-insecure", "-timeout", "1s", "tls://"+silentTLSListener(t))
		r.want(t, exitFailure, nil, []string{"no echo (0 of 2 bytes came back) from 127.0.0.1:", "within 1s"})
		if r.took < time.Second || r.took > 4*time.Second {
			t.Errorf("gave up after %v, want about the 1s timeout", r.took)
		}
	})
}
