package rawtls_test

import (
	"fmt"
	"io"
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
