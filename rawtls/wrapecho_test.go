package rawtls_test

import (
	"io"
	"sync/atomic"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestWrappedEchoRunsOnce: a Handler of the user's that calls Echo's
// ServeTLS sees it return once, when the client has finished sending, with
// no error, however long the client pauses between messages; it is not
// called again for the same connection.
func TestWrappedEchoRunsOnce(t *testing.T) {
	t.Parallel()
	var calls, returns atomic.Int32
	errs := make(chan error, 4)
	inner := rawtls.Echo()
	s := &rawtls.Server{Handler: rawtls.HandlerFunc(func(c *rawtls.Conn) error {
		calls.Add(1)
		err := inner.ServeTLS(c)
		returns.Add(1)
		errs <- err
		return err
	})}
	ts := startServer(t, s, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	for i, size := range []int{64, 4096} {
		if err := echo(c, randomBytes(size, uint64(i))); err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
		t.Fatalf("after the half-close: %d bytes, %v; want the close_notify", len(rest), err)
	}
	if err := <-errs; err != nil {
		t.Errorf("Echo's ServeTLS returned %v to the handler that called it, want nil", err)
	}
	if n, r := calls.Load(), returns.Load(); n != 1 || r != 1 {
		t.Errorf("the handler was called %d times and Echo returned %d times, want once each", n, r)
	}
}
