package tlsinfo_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// captured is one connection as the test's plain TCP listener saw it:
// every byte the client sent before the handshake ended, and what Go's
// own ClientHello parser made of them.
type captured struct {
	bytes []byte
	chi   *tls.ClientHelloInfo
}

// teeConn keeps a copy of everything read from the connection.
type teeConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

func (c *teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.buf = append(c.buf, p[:n]...)
	c.mu.Unlock()
	return n, err
}

// captureServer accepts one connection at a time on loopback, runs a Go
// TLS handshake over it with a tee underneath and sends what it saw on
// the returned channel. Capturing does not use tlsinfo, so the bytes and
// Go's reading of them are an independent reference.
func captureServer(t *testing.T) (addr string, got <-chan captured) {
	t.Helper()
	cfg := serverConfig(t)
	cfg.NextProtos = []string{"h2", "http/1.1"}
	return serveEach(t, func(c net.Conn) captured {
		defer c.Close()
		tee := &teeConn{Conn: c}
		var chi *tls.ClientHelloInfo
		// GetConfigForClient sees Go's reading of the hello, then hands
		// over the real configuration.
		srv := tls.Server(tee, &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
			chi = h
			return cfg, nil
		}})
		srv.Handshake()
		tee.mu.Lock()
		defer tee.mu.Unlock()
		return captured{bytes: tee.buf, chi: chi}
	})
}

// referenceJA4 computes JA4 from Go's ClientHelloInfo, written out as the
// specification reads, sharing nothing with tlsinfo's code.
func referenceJA4(chi *tls.ClientHelloInfo) string {
	grease := func(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }
	var suites, exts, sigs []string
	var versions []uint16
	for _, v := range chi.SupportedVersions {
		if !grease(v) {
			versions = append(versions, v)
		}
	}
	top := slices.Max(versions)
	ver := map[uint16]string{0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10"}[top]
	for _, c := range chi.CipherSuites {
		if !grease(c) {
			suites = append(suites, fmt.Sprintf("%04x", c))
		}
	}
	sni := "i"
	nExt := 0
	for _, e := range chi.Extensions {
		if grease(e) {
			continue
		}
		nExt++
		if e == 0 {
			sni = "d"
		}
		if e != 0 && e != 16 {
			exts = append(exts, fmt.Sprintf("%04x", e))
		}
	}
	for _, s := range chi.SignatureSchemes {
		if !grease(uint16(s)) {
			sigs = append(sigs, fmt.Sprintf("%04x", uint16(s)))
		}
	}
	alpn := "00"
	if len(chi.SupportedProtos) > 0 {
		p := chi.SupportedProtos[0]
		alpn = p[:1] + p[len(p)-1:] // the clients here offer plain names
	}
	sort := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	hash := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:])[:12] }
	extPart := strings.Join(sort(exts), ",")
	if len(sigs) > 0 {
		extPart += "_" + strings.Join(sigs, ",")
	}
	return fmt.Sprintf("t%s%s%02d%02d%s_%s_%s", ver, sni, len(suites), nExt, alpn,
		hash(strings.Join(sort(suites), ",")), hash(extPart))
}

// referenceJA3 computes the JA3 string from Go's ClientHelloInfo and the
// legacy version, which it does not carry: bytes 9 and 10 of a hello that
// starts in a record of its own (5-byte record header, 4-byte handshake
// header).
func referenceJA3(chi *tls.ClientHelloInfo, wire []byte) string {
	grease := func(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }
	join := func(vs []uint16) string {
		var s []string
		for _, v := range vs {
			if !grease(v) {
				s = append(s, strconv.Itoa(int(v)))
			}
		}
		return strings.Join(s, "-")
	}
	var groups []uint16
	for _, g := range chi.SupportedCurves {
		groups = append(groups, uint16(g))
	}
	var points []string
	for _, p := range chi.SupportedPoints {
		points = append(points, strconv.Itoa(int(p)))
	}
	legacy := uint16(wire[9])<<8 | uint16(wire[10])
	return fmt.Sprintf("%d,%s,%s,%s,%s", legacy, join(chi.CipherSuites), join(chi.Extensions), join(groups), strings.Join(points, "-"))
}

// checkAgainstReference parses what was captured with tlsinfo and
// compares every field with Go's reading and the fingerprints with the
// reference computations.
func checkAgainstReference(t *testing.T, c captured) *tlsinfo.ClientHello {
	t.Helper()
	if c.chi == nil {
		t.Fatalf("Go's server never got a ClientHello (%d bytes read)", len(c.bytes))
	}
	_, h, err := tlsinfo.ReadClientHello(strings.NewReader(string(c.bytes)))
	if err != nil {
		t.Fatalf("ReadClientHello: %v", err)
	}
	u16 := func(vs []tls.CurveID) (out []uint16) {
		for _, v := range vs {
			out = append(out, uint16(v))
		}
		return out
	}
	sigs := func(vs []tls.SignatureScheme) (out []uint16) {
		for _, v := range vs {
			out = append(out, uint16(v))
		}
		return out
	}
	for _, f := range []struct {
		name      string
		got, want []uint16
	}{
		{"cipher suites", h.CipherSuites, c.chi.CipherSuites},
		{"extensions", h.Extensions, c.chi.Extensions},
		{"supported groups", h.SupportedGroups, u16(c.chi.SupportedCurves)},
		{"signature algorithms", h.SignatureAlgorithms, sigs(c.chi.SignatureSchemes)},
	} {
		if !slices.Equal(f.got, f.want) {
			t.Errorf("%s = %x, Go read %x", f.name, f.got, f.want)
		}
	}
	if !slices.Equal(h.ALPN(), c.chi.SupportedProtos) {
		t.Errorf("ALPN = %q, Go read %q", h.ALPN(), c.chi.SupportedProtos)
	}
	if h.ServerName != c.chi.ServerName {
		t.Errorf("SNI = %q, Go read %q", h.ServerName, c.chi.ServerName)
	}
	if !slices.Equal(h.ECPointFormats, c.chi.SupportedPoints) {
		t.Errorf("point formats = %v, Go read %v", h.ECPointFormats, c.chi.SupportedPoints)
	}
	for _, g := range h.KeyShareGroups {
		if !slices.Contains(h.SupportedGroups, g) {
			t.Errorf("key share for %04x, a group not in supported_groups %x", g, h.SupportedGroups)
		}
	}
	if want := referenceJA4(c.chi); h.JA4() != want {
		t.Errorf("JA4 = %s, reference %s", h.JA4(), want)
	}
	want := referenceJA3(c.chi, c.bytes)
	if h.JA3() != want {
		t.Errorf("JA3 = %s\nreference %s", h.JA3(), want)
	}
	if sum := md5.Sum([]byte(want)); h.JA3Hash() != hex.EncodeToString(sum[:]) {
		t.Errorf("JA3 hash = %s, want %x", h.JA3Hash(), sum)
	}
	return h
}

var goClientTests = []struct {
	name     string
	cfg      *tls.Config
	wantJA4  string // prefix
	wantKeys bool   // key shares expected (TLS 1.3)
}{
	{"default", &tls.Config{ServerName: "localhost"}, "t13d", true},
	{"alpn", &tls.Config{ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}}, "t13d", true},
	{"no sni", &tls.Config{ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}}, "t13i", true},
	{"tls 1.2 only", &tls.Config{ServerName: "localhost", MaxVersion: tls.VersionTLS12}, "t12d", false},
}

// TestGoClientHello fingerprints crypto/tls's own client.
func TestGoClientHello(t *testing.T) {
	addr, got := captureServer(t)
	for _, tt := range goClientTests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			cfg := tt.cfg.Clone()
			cfg.InsecureSkipVerify = true
			tc := tls.Client(c, cfg)
			tc.SetDeadline(time.Now().Add(10 * time.Second))
			tc.Handshake()
			tc.Close()
			h := checkAgainstReference(t, <-got)
			if !strings.HasPrefix(h.JA4(), tt.wantJA4) {
				t.Errorf("JA4 %s does not start with %s", h.JA4(), tt.wantJA4)
			}
			if tt.wantKeys != (len(h.KeyShareGroups) > 0) {
				t.Errorf("key share groups %x", h.KeyShareGroups)
			}
			if len(cfg.NextProtos) > 0 {
				alpn := cfg.NextProtos[0]
				if want := alpn[:1] + alpn[len(alpn)-1:]; h.JA4()[8:10] != want {
					t.Errorf("JA4 %s: ALPN part is not %s", h.JA4(), want)
				}
			}
		})
	}
}

var opensslTests = []struct {
	name    string
	args    []string
	wantJA4 string
}{
	{"tls 1.3", []string{"-tls1_3", "-servername", "localhost"}, "t13d"},
	{"tls 1.3 alpn", []string{"-tls1_3", "-servername", "localhost", "-alpn", "h2,http/1.1"}, "t13d"},
	{"tls 1.3 no sni", []string{"-tls1_3", "-noservername"}, "t13i"},
	{"tls 1.2", []string{"-tls1_2", "-servername", "localhost"}, "t12d"},
	{"tls 1.2 alpn no sni", []string{"-tls1_2", "-noservername", "-alpn", "http/1.1"}, "t12i"},
}

// TestOpenSSLClientHello fingerprints `openssl s_client`, another TLS
// stack, in both versions, with and without ALPN and SNI.
func TestOpenSSLClientHello(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	addr, got := captureServer(t)
	for _, tt := range opensslTests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := append([]string{"s_client", "-connect", addr}, tt.args...)
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Stdin = strings.NewReader("") // end of input: it closes after the handshake
			cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
			cmd.Run()
			h := checkAgainstReference(t, <-got)
			if !strings.HasPrefix(h.JA4(), tt.wantJA4) {
				t.Errorf("JA4 %s does not start with %s", h.JA4(), tt.wantJA4)
			}
		})
	}
}

// TestPythonClientHello fingerprints Python's ssl module (OpenSSL
// underneath, configured by Python's defaults).
func TestPythonClientHello(t *testing.T) {
	bin, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	addr, got := captureServer(t)
	host, port, _ := net.SplitHostPort(addr)
	const script = `
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["h2", "http/1.1"])
with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as s:
    try:
        ctx.wrap_socket(s, server_hostname="localhost").close()
    except ssl.SSLError:
        pass
`
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-c", script, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, out)
	}
	h := checkAgainstReference(t, <-got)
	if !strings.HasPrefix(h.JA4(), "t13d") || h.JA4()[8:10] != "h2" {
		t.Errorf("JA4 %s, want t13d...h2", h.JA4())
	}
}
