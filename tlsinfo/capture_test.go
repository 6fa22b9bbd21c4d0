package tlsinfo_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// result is what the capturing server saw of one connection.
type result struct {
	hello        *tlsinfo.ClientHello
	captureErr   error
	handshakeErr error
}

// serveEach accepts connections on loopback until the test ends, serves
// each in turn with serve, which closes it, and sends what serve returns
// on the channel.
func serveEach[T any](t *testing.T, serve func(c net.Conn) T) (addr string, results <-chan T) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan T, 1)
	done := make(chan struct{})
	t.Cleanup(func() { l.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			ch <- serve(c)
		}
	}()
	return l.Addr().String(), ch
}

// serveCaptured runs the server side of the pipeline: Capture, then a Go
// TLS handshake over the replayed connection, then an echo of one read.
func serveCaptured(t *testing.T, cfg *tls.Config) (addr string, results <-chan result) {
	return serveEach(t, func(c net.Conn) result {
		defer c.Close()
		rc, h, cerr := tlsinfo.Capture(c)
		tc := tls.Server(rc, cfg)
		herr := tc.Handshake()
		if herr == nil {
			buf := make([]byte, 64)
			n, _ := tc.Read(buf)
			tc.Write(buf[:n])
			tc.Close()
		}
		return result{h, cerr, herr}
	})
}

func serverConfig(t *testing.T) *tls.Config {
	t.Helper()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{*g.Cert}, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12}
}

// TestCaptureLeavesHandshakeAlone: with the hello read ahead and
// replayed, the handshake and the data after it go through, and what the
// client recorded of its own hello is what the server captured.
func TestCaptureLeavesHandshakeAlone(t *testing.T) {
	verifyNoLeaks(t)
	addr, results := serveCaptured(t, serverConfig(t))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rec := tlsinfo.RecordHello(c)
	tc := tls.Client(rec, &tls.Config{ServerName: "localhost", InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake through Capture: %v", err)
	}
	if got := tc.ConnectionState().NegotiatedProtocol; got != "h2" {
		t.Errorf("ALPN %q", got)
	}
	if _, err := tc.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(tc, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo %q, %v", buf, err)
	}
	tc.Close()
	r := <-results
	if r.captureErr != nil || r.handshakeErr != nil {
		t.Fatalf("capture: %v; handshake: %v", r.captureErr, r.handshakeErr)
	}
	own, err := rec.Hello()
	if err != nil {
		t.Fatal(err)
	}
	if own.JA4() != r.hello.JA4() || own.JA3() != r.hello.JA3() || r.hello.ServerName != "localhost" {
		t.Errorf("client recorded %s, server captured %s (SNI %q)", own.JA4(), r.hello.JA4(), r.hello.ServerName)
	}
}

// TestCaptureFailedHandshakes: a hello the server refuses is captured all
// the same, and the handshake fails as it would have without Capture.
func TestCaptureFailedHandshakes(t *testing.T) {
	verifyNoLeaks(t)
	cfg := serverConfig(t)
	tests := []struct {
		name   string
		client *tls.Config
		check  func(h *tlsinfo.ClientHello) bool
	}{
		{"TLS 1.0 only", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10},
			func(h *tlsinfo.ClientHello) bool { return h.LegacyVersion == tls.VersionTLS10 && h.JA4()[:3] == "t10" }},
		{"CBC suites only", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
			func(h *tlsinfo.ClientHello) bool {
				return len(h.CipherSuites) == 1 && h.CipherSuites[0] == tls.TLS_RSA_WITH_AES_128_CBC_SHA
			}},
	}
	addr, results := serveCaptured(t, cfg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			tt.client.InsecureSkipVerify = true
			tc := tls.Client(c, tt.client)
			tc.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.Handshake(); err == nil {
				t.Error("the handshake succeeded")
			}
			tc.Close()
			r := <-results
			if r.captureErr != nil || r.hello == nil {
				t.Fatalf("capture: %v", r.captureErr)
			}
			if r.handshakeErr == nil {
				t.Error("the server's handshake succeeded")
			}
			if !tt.check(r.hello) {
				t.Errorf("captured %s", r.hello.JA4R())
			}
		})
	}

	// Plain text: not a hello, and crypto/tls still sees the bytes and
	// fails in its own words.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	r := <-results
	c.Close()
	var rhe tls.RecordHeaderError
	if !errors.Is(r.captureErr, tlsinfo.ErrNotClientHello) || !errors.As(r.handshakeErr, &rhe) {
		t.Errorf("capture: %v; handshake: %v (want a tls.RecordHeaderError)", r.captureErr, r.handshakeErr)
	}
}

// verifyNoLeaks checks, after the test's other cleanups, that it left no
// goroutine behind.
func verifyNoLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}
