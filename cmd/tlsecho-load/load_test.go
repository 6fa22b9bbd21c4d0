package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
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

// servers starts a raw TLS echo server and a wss echo server on loopback.
func servers(t *testing.T) (tlsURL, wssURL string, stop func()) {
	src, err := certs.NewSelfSigned([]string{"localhost", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	raw := &rawtls.Server{TLSConfig: src.TLSConfig(certs.Options{}), MaxConns: 5000}
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go raw.Serve(rl)
	wsrv := &ws.Server{}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: wsrv, TLSConfig: src.TLSConfig(certs.Options{}), ReadHeaderTimeout: 5 * time.Second}
	go hs.ServeTLS(hl, "", "")
	return "tls://" + rl.Addr().String(), "wss://" + hl.Addr().String() + "/ws", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		raw.Shutdown(ctx)
		wsrv.Shutdown(ctx)
		hs.Shutdown(ctx)
	}
}

// TestThousandConnections holds 1000 raw TLS and 300 WebSocket connections
// open at once, each echoing and checking its messages, then checks that
// goroutines and descriptors return to where they were.
func TestThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	fds := openFDs(t)
	tlsURL, wssURL, stop := servers(t)
	for _, tt := range []struct {
		target string
		conns  int
	}{
		{tlsURL, 1000},
		{wssURL, 300},
	} {
		u, _ := url.Parse(tt.target)
		o := &options{conns: tt.conns, duration: 60 * time.Second, messages: 3, size: 512, insecure: true, target: u, together: newBarrier(tt.conns)}
		ctx, cancel := context.WithTimeout(context.Background(), o.duration)
		res := drive(ctx, o)
		cancel()
		if res.errors != 0 || res.messages != tt.conns*3 || res.conns != tt.conns {
			t.Errorf("%s: %d conns, %d messages, %d errors (first %v); want %d conns, %d messages, no error",
				tt.target, res.conns, res.messages, res.errors, res.firstErr, tt.conns, tt.conns*3)
		}
		var out bytes.Buffer
		res.print(&out, o)
		t.Logf("\n%s", out.String())
	}
	stop()
	deadline := time.Now().Add(5 * time.Second)
	for openFDs(t) > fds {
		if time.Now().After(deadline) {
			t.Fatalf("open descriptors: %d, before the load %d", openFDs(t), fds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRefusesRemoteTargets(t *testing.T) {
	var stderr bytes.Buffer
	for _, args := range [][]string{
		{"tls://192.0.2.1:8433"},
		{"wss://[2001:db8::1]:8443/ws"},
		{"http://127.0.0.1:8433"},
		{},
	} {
		stderr.Reset()
		if code := run(args, &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if !strings.Contains(stderr.String(), "tlsecho-load") {
		t.Errorf("no usage message: %q", stderr.String())
	}
}
