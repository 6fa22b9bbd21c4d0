package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
	"github.com/tlsecho/tlsecho/ws"
)

func openFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(entries)
}

// servers starts tlsecho's raw TLS and wss echo servers on loopback.
func servers(t *testing.T) (tlsURL, wssURL, caFile string, stop func()) {
	cert, caFile := testCert(t)
	src := certs.NewStatic(cert)
	raw := &rawtls.Server{}
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Handshakes get the clients' own -timeout (60 s in TestHeldConnections):
	// hundreds at once on one loaded CPU under -race took up to 8 s, past
	// the servers' usual bounds, and a handshake the server gives up on is
	// an error the test would blame on the load command.
	const handshakeBound = 60 * time.Second
	go raw.Serve(listener.New(rl, listener.Options{Name: "tls", TLSConfig: src.TLSConfig(certs.Options{}), HandshakeTimeout: handshakeBound}))
	wsrv := &ws.Server{}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: wsrv, TLSConfig: src.TLSConfig(certs.Options{}), ReadHeaderTimeout: handshakeBound}
	go hs.ServeTLS(hl, "", "")
	return "tls://" + rl.Addr().String(), "wss://" + hl.Addr().String() + "/ws", caFile, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		raw.Shutdown(ctx)
		wsrv.Shutdown(ctx)
		hs.Shutdown(ctx)
	}
}

// load parses args as the command line and runs the load.
func load(t *testing.T, args ...string) *result {
	t.Helper()
	o, err := parse(args, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	l, err := newLoader(o)
	if err != nil {
		t.Fatal(err)
	}
	res := l.run(context.Background(), nil)
	var out bytes.Buffer
	res.print(&out)
	t.Logf("tlsecho-load %s\n%s", strings.Join(args, " "), out.String())
	return res
}

// TestHeldConnections holds 200 raw TLS and 200 wss connections open at
// once against tlsecho's servers, each echoing messages of 1 B to 32 KiB
// checked byte for byte (the larger ones written while their echo is
// read), then checks that goroutines and descriptors return to where they
// were. The figures at scale are the load command's (README); this is the
// size that proves the property on a loaded 2-core machine under -race.
func TestHeldConnections(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fds := openFDs(t)
	tlsURL, wssURL, caFile, stop := servers(t)
	res := load(t, "-c", "400", "-n", "4", "-size", "1-32KiB", "-text", "0.5", "-ca", caFile,
		"-timeout", "60s", "-d", "2m", tlsURL, wssURL)
	if res.failed() || res.connected != 400 || res.messages != 400*4 || res.dials != 400 {
		t.Errorf("%d held at once, %d connections, %d echoes, %d mismatches (first %v), %d errors (first %v); want 400, 400, 1600, none",
			res.connected, res.dials, res.messages, res.mismatches, res.firstMismatch, res.errors, res.firstErr)
	}
	stop()
	// The server closes its side a moment after each client: wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for openFDs(t) > fds {
		if time.Now().After(deadline) {
			t.Fatalf("open descriptors: %d, before the load %d", openFDs(t), fds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPlainWebSocket: a ws:// target, as tlsecho's plain HTTP listener
// (TLSECHO_HTTP_ADDR) serves /ws behind a proxy that ends TLS, is loaded
// and checked as a wss:// one is: every echo byte for byte, text and
// binary, and the orderly close.
func TestPlainWebSocket(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	wsrv := &ws.Server{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: wsrv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(l)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		wsrv.Shutdown(ctx)
		hs.Shutdown(ctx)
	}()
	res := load(t, "-c", "20", "-n", "5", "-size", "1-32KiB", "-text", "0.5", "-timeout", "30s",
		"ws://"+l.Addr().String()+"/ws")
	if res.failed() || res.connected != 20 || res.messages != 20*5 {
		t.Errorf("%d held at once, %d echoes, %d mismatches (first %v), %d errors (first %v); want 20, 100, none",
			res.connected, res.messages, res.mismatches, res.firstMismatch, res.errors, res.firstErr)
	}
}

// exitTests run the command against an echo server that gets one echo
// wrong, once: the exit status must say so, whatever else succeeded.
var exitTests = []struct {
	name   string
	scheme string
	fault  fault
	want   string   // in the report
	args   []string // besides -c 4 -n 5 -size 100
}{
	{"raw correct", "tls", faultNone, "mismatches    0\n", nil},
	{"raw one byte flipped", "tls", faultFlip, "mismatches    1 (first: tls://", nil},
	{"raw extra byte after the echoes", "tls", faultExtra, "1 byte came back beyond the echoes", nil},
	// A lost echo or a lost byte leaves the client waiting for what
	// never comes: an error once -timeout has passed.
	{"raw one echo dropped", "tls", faultDrop, "i/o timeout", []string{"-timeout", "2s"}},
	{"raw one echo a byte short", "tls", faultTruncate, "i/o timeout", []string{"-timeout", "2s"}},
	{"raw one echo sent twice", "tls", faultDup, "differs", nil},
	{"raw the echo before sent again", "tls", faultReplay, "differs", nil},
	{"raw one echo's halves swapped", "tls", faultReorder, "differs", nil},
	{"raw close answered with a FIN alone", "tls", faultBareFIN, "a TCP FIN alone, no close_notify", nil},
	{"wss correct", "wss", faultNone, "mismatches    0\n", nil},
	{"wss text correct", "wss", faultNone, "mismatches    0\n", []string{"-text", "1"}},
	{"wss one byte flipped", "wss", faultFlip, "differs", nil},
	{"wss binary echoed as text", "wss", faultType, "a text message came back for a binary one", nil},
	{"wss text echoed as binary", "wss", faultBinary, "a binary message came back for a text one", []string{"-text", "1"}},
	{"wss one byte more", "wss", faultExtra, "bytes, sent", nil},
	{"wss one byte short", "wss", faultShort, "bytes, sent", nil},
	{"wss message after the last echo", "wss", faultMessage, "a binary message came back beyond the echoes", nil},
	{"wss one echo dropped", "wss", faultDrop, "i/o timeout", []string{"-timeout", "2s"}},
	{"wss one echo sent twice", "wss", faultDup, "mismatches    1", nil},
	{"wss the echo before sent again", "wss", faultReplay, "differs", nil},
	{"wss one echo's halves swapped", "wss", faultReorder, "differs", nil},
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	cert, caFile := testCert(t)
	for _, tt := range exitTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &faultyEcho{fault: tt.fault}
			target := f.serveRaw(t, cert)
			if tt.scheme == "wss" {
				target = f.serveWS(t, cert)
			}
			var stdout, stderr bytes.Buffer
			args := append([]string{"-c", "4", "-n", "5", "-size", "100", "-ca", caFile, "-progress", "0"}, tt.args...)
			code := run(append(args, target), &stdout, &stderr)
			want := 1
			if tt.fault == faultNone {
				want = 0
			}
			if code != want || !strings.Contains(stdout.String(), tt.want) || (tt.fault != faultNone && !f.used.Load()) {
				t.Errorf("exit %d, want %d; report should contain %q; fault applied: %v:\n%s%s", code, want, tt.want, f.used.Load(), stdout.String(), stderr.String())
			}
		})
	}
}

// TestInterrupted stops a run (as SIGINT or SIGTERM would) in the middle
// of its window: it must not pass, and the report must say it was cut
// short, since its figures cover less than -d.
func TestInterrupted(t *testing.T) {
	cert, caFile := testCert(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var echoes atomic.Int64
	// One client: its first echo is before the window, the third within.
	f := &faultyEcho{echoed: func() {
		if echoes.Add(1) == 3 {
			cancel()
		}
	}}
	target := f.serveRaw(t, cert)
	o, err := parse([]string{"-c", "1", "-d", "10m", "-size", "100", "-ca", caFile, target}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLoader(o)
	if err != nil {
		t.Fatal(err)
	}
	res := l.run(ctx, nil)
	var out bytes.Buffer
	res.print(&out)
	if !res.failed() || !strings.Contains(out.String(), "interrupted") {
		t.Errorf("a run stopped in its window passed, or did not say so:\n%s", out.String())
	}
}

// TestVerification checks the server's certificate by default, trusts it
// with -ca and skips the check only with -insecure.
func TestVerification(t *testing.T) {
	cert, caFile := testCert(t)
	f := &faultyEcho{}
	target := f.serveRaw(t, cert)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"verified by default", nil, 1, "certificate signed by unknown authority"},
		{"trusted with -ca", []string{"-ca", caFile}, 0, "errors        0\n"},
		{"-insecure", []string{"-insecure"}, 0, "errors        0\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(tt.args, "-c", "2", "-n", "2", "-progress", "0", target)
			if code := run(args, &stdout, &stderr); code != tt.code || !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("exit %d, want %d; report should contain %q:\n%s%s", code, tt.code, tt.want, stdout.String(), stderr.String())
			}
		})
	}
}

// TestFailedConnect exits 1 when no client could connect.
func TestFailedConnect(t *testing.T) {
	var stdout bytes.Buffer
	if code := run([]string{"-c", "3", "-n", "1", "-insecure", "-progress", "0", listenFailing(t)}, &stdout, &bytes.Buffer{}); code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, stdout.String())
	}
	if !strings.Contains(stdout.String(), "errors        3 (first: tls://") {
		t.Errorf("report should count 3 connect errors:\n%s", stdout.String())
	}
}

// TestMetricsURL holds -metrics to the targets' rules: a URL the scrape
// can use, on loopback unless -remote. Only parse runs: no traffic.
func TestMetricsURL(t *testing.T) {
	for _, tt := range []struct {
		metrics string
		remote  bool
		want    string // in the error; "" for none
	}{
		{"http://127.0.0.1:9090/metrics", false, ""},
		{"http://localhost:9090/metrics", false, ""},
		{"http://192.0.2.1:9090/metrics", false, "192.0.2.1 is not a loopback address"},
		{"http://192.0.2.1:9090/metrics", true, ""},
		{"127.0.0.1:9090/metrics", false, `-metrics "127.0.0.1:9090/metrics"`},
		{"ftp://127.0.0.1/metrics", false, `-metrics "ftp://127.0.0.1/metrics"`},
	} {
		args := []string{"-metrics", tt.metrics, "tls://127.0.0.1:1"}
		if tt.remote {
			args = append([]string{"-remote"}, args...)
		}
		_, err := parse(args, &bytes.Buffer{})
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%v: %v; want an error containing %q", args, err, tt.want)
		}
	}
}

// TestPidNotRunning refuses a -pid that names no process: every server
// sample would fail and the run pass without the figures asked for.
func TestPidNotRunning(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Skip("no /proc here")
	}
	// No process has an id above pid_max.
	pid := strings.TrimSpace(string(b)) + "0"
	if _, err := parse([]string{"-pid", pid, "tls://127.0.0.1:1"}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "-pid "+pid) {
		t.Errorf("-pid %s (no such process): %v; want an error naming -pid", pid, err)
	}
	if _, err := parse([]string{"-pid", strconv.Itoa(os.Getpid()), "tls://127.0.0.1:1"}, &bytes.Buffer{}); err != nil {
		t.Errorf("-pid of this process: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"tls://192.0.2.1:8433"}, "192.0.2.1 is not a loopback address"},
		{[]string{"wss://[2001:db8::1]:8443/ws"}, "2001:db8::1 is not a loopback address"},
		{[]string{"-handshakes", "ws://127.0.0.1:8080/ws"}, "ws:// has none"},
		{[]string{"tls://127.0.0.1:8433", "wss://192.0.2.1:8443/ws"}, "192.0.2.1 is not a loopback address"},
		{[]string{"http://127.0.0.1:8433"}, `URL "http://127.0.0.1:8433": want tls://host:port, wss://host:port/path or ws://host:port/path`},
		{[]string{"tls://127.0.0.1:8433/ws"}, `URL "tls://127.0.0.1:8433/ws": a tls:// URL has no path, query or fragment`},
		{[]string{"wss://u:p@127.0.0.1:8443/ws"}, `URL "wss://u:p@127.0.0.1:8443/ws": user information is not supported`},
		{[]string{"tls://::1:8433"}, `URL "tls://::1:8433": an IPv6 address goes in brackets: tls://[::1]:8433`},
		{[]string{}, "Usage: tlsecho-load"},
		{[]string{"-size", "0", "tls://127.0.0.1:1"}, `size "0"`},
		{[]string{"-size", "2KiB-1KiB", "tls://127.0.0.1:1"}, `size "2KiB-1KiB"`},
		{[]string{"-text", "2", "tls://127.0.0.1:1"}, "-text is a fraction"},
		{[]string{"-ca", "/nonexistent.pem", "tls://127.0.0.1:1"}, "-ca: open /nonexistent.pem"},
		{[]string{"-c", "1000000", "tls://127.0.0.1:1"}, "open files"},
	} {
		var stderr bytes.Buffer
		if code := run(tt.args, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%v: exit %d, want 2; stderr should contain %q: %q", tt.args, code, tt.want, stderr.String())
		}
	}
}

// TestHelpExitsZero: -h prints the usage and asks for nothing more, so
// every command ends 0, as tlsecho -h does; the usage is printed, and a
// flag that does not parse still ends 2.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"compare", "-h"}, {"scale", "-h"}, {"soak", "-help"}} {
		var stderr bytes.Buffer
		if code := run(args, &bytes.Buffer{}, &stderr); code != 0 || !strings.Contains(stderr.String(), "Usage") {
			t.Errorf("%v: exit %d, want 0 with the usage; stderr %q", args, code, stderr.String())
		}
	}
	for _, args := range [][]string{{"-bogus"}, {"compare", "-bogus"}, {"scale", "-bogus"}, {"soak", "-bogus"}} {
		if code := run(args, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestNoTLSWarns tells a user that -ca and -insecure change nothing when
// every target is ws://, and says nothing when one target uses TLS.
func TestNoTLSWarns(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string // each in the warnings; none for no warning
	}{
		{[]string{"-insecure", "ws://127.0.0.1:1/ws"}, []string{"-insecure has no effect"}},
		{[]string{"-ca", "x.pem", "-insecure", "ws://127.0.0.1:1/ws"}, []string{"-ca has no effect", "-insecure has no effect"}},
		{[]string{"-insecure", "-c", "2", "ws://127.0.0.1:1/ws", "wss://127.0.0.1:1/ws"}, nil},
		{[]string{"-insecure", "tls://127.0.0.1:1"}, nil},
		{[]string{"ws://127.0.0.1:1/ws"}, nil},
	} {
		var stderr bytes.Buffer
		if _, err := parse(tt.args, &stderr); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got := stderr.String()
		if len(tt.want) == 0 && got != "" {
			t.Errorf("%v: warned %q; want nothing", tt.args, got)
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: warned %q; want %q in it", tt.args, got, w)
			}
		}
	}
}
