package rawtls_test

import (
	"crypto/tls"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestSlowHandlerAfterIdleSendsCloseNotify: a handler that returns well
// after its read was woken for idleness, as one not scheduled for a
// while on a busy machine does, is not stuck: the client still gets the
// close_notify. The idle watch used to close the socket under it one
// IdleTimeout after the wake-up, taking it for a handler stuck in a
// write.
func TestSlowHandlerAfterIdleSendsCloseNotify(t *testing.T) {
	t.Parallel()
	const idle = 200 * time.Millisecond
	woken := make(chan error, 2)
	ts := startServer(t, &rawtls.Server{IdleTimeout: idle, Handler: rawtls.HandlerFunc(func(c *rawtls.Conn) error {
		_, err := c.Read(make([]byte, 1))
		woken <- err
		// Slow: the watch fires several times meanwhile.
		time.Sleep(5 * idle)
		return err
	})}, certs.Options{})
	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			cfg := ts.clientConfig()
			cfg.MaxVersion = version
			c := ts.mustDial(t, cfg)
			c.SetReadDeadline(time.Now().Add(ioTimeout))
			n, err := c.Read(make([]byte, 1))
			if n != 0 || !errors.Is(err, io.EOF) {
				t.Fatalf("read: %d bytes, %v; want io.EOF", n, err)
			}
			if err := <-woken; !errors.Is(err, rawtls.ErrIdle) {
				t.Fatalf("the handler's read returned %v, want %v", err, rawtls.ErrIdle)
			}
			if err := c.wire.endsWithCloseNotify(version); err != nil {
				t.Errorf("close of a slow handler: %v", err)
			}
		})
	}
}
