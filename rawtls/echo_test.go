package rawtls_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestEchoOneMiB streams 1 MiB of random bytes in uneven writes while a
// concurrent reader takes the echo, and compares every byte.
func TestEchoOneMiB(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())

	want := randomBytes(1<<20, 1)
	writeErr := make(chan error, 1)
	go func() {
		// Uneven write sizes, some above the 16 KiB record limit, so
		// records of many sizes and splits cross the server.
		rng := rand.New(rand.NewPCG(1, 2))
		rest := want
		for len(rest) > 0 {
			n := min(len(rest), 1+rng.IntN(40<<10))
			if _, err := c.Write(rest[:n]); err != nil {
				writeErr <- fmt.Errorf("write: %w", err)
				return
			}
			rest = rest[n:]
		}
		writeErr <- c.CloseWrite()
	}()

	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read echo after %d bytes: %v", len(got), err)
	}
	if err := <-writeErr; err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d bytes back, sent %d", len(got), len(want))
	}
	if i := firstDiff(got, want); i != len(want) {
		t.Fatalf("echo differs at byte %d", i)
	}
}

// TestEchoConcurrentClients holds 100 clients open at once, then has
// them all echo several messages of different sizes side by side.
func TestEchoConcurrentClients(t *testing.T) {
	t.Parallel()
	const (
		clients  = 100
		messages = 5
		// Handshakes at a time. Each has ioTimeout; 100 begun together
		// on a loaded 2-core machine under -race did not all finish in
		// it, and which clients connect side by side is not what this
		// test is about: the echoes are, and they all wait for the last
		// client to connect.
		dialing = 8
	)
	ts := startServer(t, &rawtls.Server{}, certs.Options{})

	var wg sync.WaitGroup
	errs := make(chan error, clients)
	slots := make(chan struct{}, dialing)
	var connected sync.WaitGroup
	connected.Add(clients)
	allConnected := make(chan struct{})
	for i := range clients {
		wg.Go(func() {
			slots <- struct{}{}
			c, err := ts.dial(ts.clientConfig())
			<-slots
			connected.Done()
			if err != nil {
				errs <- fmt.Errorf("client %d: dial: %w", i, err)
				return
			}
			defer c.Close()
			<-allConnected
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for m := range messages {
				msg := randomBytes(1+rng.IntN(8<<10), uint64(i*messages+m))
				if err := echo(c, msg); err != nil {
					errs <- fmt.Errorf("client %d, message %d: %w", i, m, err)
					return
				}
			}
		})
	}
	connected.Wait()
	close(allConnected)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// halfCloseTests cover both ways a client can say it has finished sending.
var halfCloseTests = []struct {
	name    string
	version uint16
	// tcpFIN shuts down the TCP write side instead of sending close_notify.
	tcpFIN bool
}{
	{name: "close_notify/TLS1.3", version: tls.VersionTLS13},
	{name: "close_notify/TLS1.2", version: tls.VersionTLS12},
	{name: "TCP FIN/TLS1.3", version: tls.VersionTLS13, tcpFIN: true},
	{name: "TCP FIN/TLS1.2", version: tls.VersionTLS12, tcpFIN: true},
}

// TestHalfCloseReturnsEveryByte sends a burst, half-closes at once and
// checks that the server echoes all of it before its own close_notify.
func TestHalfCloseReturnsEveryByte(t *testing.T) {
	t.Parallel()
	const size = 256 << 10
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	for _, tt := range halfCloseTests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ts.clientConfig()
			cfg.MinVersion, cfg.MaxVersion = tt.version, tt.version
			c := ts.mustDial(t, cfg)

			want := randomBytes(size, 3)
			writeErr := make(chan error, 1)
			go func() {
				for rest := want; len(rest) > 0; rest = rest[min(len(rest), 4<<10):] {
					if _, err := c.Write(rest[:min(len(rest), 4<<10)]); err != nil {
						writeErr <- fmt.Errorf("write: %w", err)
						return
					}
				}
				if tt.tcpFIN {
					writeErr <- c.tcp.CloseWrite()
				} else {
					writeErr <- c.CloseWrite()
				}
			}()

			// ReadAll stops at io.EOF; io.ErrUnexpectedEOF or a reset is
			// returned as an error.
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("read after %d of %d bytes: %v", len(got), size, err)
			}
			if err := <-writeErr; err != nil {
				t.Fatal(err)
			}
			if len(got) != size {
				t.Fatalf("got %d bytes back, sent %d", len(got), size)
			}
			if i := firstDiff(got, want); i != size {
				t.Fatalf("echo differs at byte %d", i)
			}
			if err := c.wire.endsWithCloseNotify(tt.version); err != nil {
				t.Errorf("server did not end with close_notify: %v", err)
			}
		})
	}
}
