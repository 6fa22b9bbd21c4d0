package rawtls_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// graceEndTests stop a server while a client that opened TCP and sent
// nothing is in its handshake, within the listener's grace (a second).
var graceEndTests = []struct {
	name string
	stop func(*rawtls.Server) error
	want error
}{
	// A context already ended: the drain has run out of time before it
	// began, as when the drain delay took the whole shutdown timeout.
	{name: "Shutdown", want: context.Canceled, stop: func(s *rawtls.Server) error {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return s.Shutdown(ctx)
	}},
	{name: "Close", stop: func(s *rawtls.Server) error { return s.Close() }},
}

// TestStopEndsHandshakeGrace: Shutdown whose context has ended, and Close,
// cut the handshakes in flight at once: they waited for the listener's
// grace to end, up to a second past the shutdown's deadline. The
// handshake's outcome says the shutdown's time ran out, not that the
// grace did, and the client's socket is closed when they return.
func TestStopEndsHandshakeGrace(t *testing.T) {
	t.Parallel()
	for _, tt := range graceEndTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			outcome := make(chan error, 1)
			lo := listener.Options{
				// The grace is a second, within this.
				HandshakeTimeout: time.Minute,
				Hooks: &listener.Hooks{Handshake: func(_ *listener.Conn, h listener.Handshake) {
					outcome <- h.Err
				}},
			}
			ts := startServerWith(t, &rawtls.Server{}, lo, certs.Options{})
			c, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			waitFor(t, ioTimeout, "the connection to be accepted", func() bool { return ts.ln.Active() == 1 })

			if err := tt.stop(ts.srv); !errors.Is(err, tt.want) {
				t.Errorf("stop = %v, want %v", err, tt.want)
			}
			// The handshake's outcome comes before its goroutine ends, and
			// Serve, which stop waits for, ends after it.
			select {
			case err := <-outcome:
				const want = "the server is shutting down: no handshake before the shutdown's time ran out"
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("handshake outcome %v, want %q", err, want)
				}
			default:
				t.Error("no handshake outcome when the server stopped")
			}
			c.SetReadDeadline(time.Now().Add(ioTimeout))
			if n, err := c.Read(make([]byte, 1)); n != 0 || !isClosed(err) {
				t.Errorf("client read after the stop: %d bytes, %v; want end of stream or reset", n, err)
			}
			if err := ts.served(t); !errors.Is(err, rawtls.ErrServerClosed) {
				t.Errorf("Serve returned %v, want ErrServerClosed", err)
			}
		})
	}
}
