package rawtls_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// BenchmarkEcho measures echo throughput over loopback TLS: one
// connection, writes of each size, a concurrent reader taking the echo.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			ts := startServer(b, &rawtls.Server{}, certs.Options{})
			c := ts.mustDial(b, ts.clientConfig())
			// No deadline: a long benchmark run must not be cut.
			c.SetDeadline(time.Time{})
			msg := randomBytes(size, 9)
			b.SetBytes(int64(size))
			b.ReportAllocs()

			readErr := make(chan error, 1)
			b.ResetTimer()
			go func() {
				_, err := io.CopyN(io.Discard, c, int64(b.N)*int64(size))
				readErr <- err
			}()
			for range b.N {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
			}
			if err := <-readErr; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkHandshake measures full handshakes (no resumption) against an
// ECDSA P-256 certificate; a one-byte echo after each proves the server
// finished its side too.
func BenchmarkHandshake(b *testing.B) {
	ts := startServer(b, &rawtls.Server{}, certs.Options{})
	cfg := ts.clientConfig()
	one := []byte{'x'}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c, err := ts.dial(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if c.ConnectionState().DidResume {
			b.Fatal("session resumed; want full handshakes")
		}
		if err := echo(c, one); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
}

// BenchmarkRoundTrip sends a message and waits for its echo, as the load
// command's clients do, on tlsecho and, in the same run, on the plain
// loop it is measured against (tls.Listen and io.Copy, the same
// certificate): compare the two lines' ns/op as a ratio.
func BenchmarkRoundTrip(b *testing.B) {
	for _, server := range []string{"tlsecho", "plain"} {
		for _, size := range []int{64, 4 << 10} {
			b.Run(fmt.Sprintf("server=%s/size=%d", server, size), func(b *testing.B) {
				ts := startServer(b, &rawtls.Server{}, certs.Options{})
				if server == "plain" {
					ts.addr = startPlain(b, ts)
				}
				c := ts.mustDial(b, ts.clientConfig())
				c.SetDeadline(time.Time{})
				msg := randomBytes(size, 9)
				got := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.Write(msg); err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(c, got); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// startPlain serves the plain echo loop with ts's certificate on another
// loopback port and returns its address.
func startPlain(tb testing.TB, ts *testServer) string {
	tb.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*ts.cert.Cert}})
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				io.Copy(c, c)
			})
		}
	})
	tb.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	return l.Addr().String()
}
