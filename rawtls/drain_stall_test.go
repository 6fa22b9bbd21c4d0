package rawtls_test

import (
	"context"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestDrainClosesRecordStalled has a client send the start of a record
// during Shutdown and then nothing: bytes that stopped are no input, and
// the drain ends the connection DrainQuiet after the last of them, as it
// does one quiet between records. It used to end it up to twice
// DrainQuiet after them: the drain looked for such bytes only when its
// deadline passed, DrainQuiet after the last data, and then gave them a
// whole DrainQuiet more. Both of a read's waits are tried, as in
// TestIdleClosesRecordStalled: the echo's and a Handler's read.
//
// The default DrainQuiet, 250 ms, is too short for a loaded machine to
// tell once from twice by the clock; the Server field is set instead.
func TestDrainClosesRecordStalled(t *testing.T) {
	t.Parallel()
	// The old bound, twice DrainQuiet less the moments between the
	// client's last data and the record's start, is near 4 s after the
	// record's last byte: late leaves the close 1.2 s on a busy machine
	// under -race, as TestIdleClosesRecordStalled does.
	const quiet, late = 2 * time.Second, 1200 * time.Millisecond
	for _, tc := range []struct {
		name    string
		handler rawtls.Handler
	}{
		{"echo", nil},
		{"read", rawtls.HandlerFunc(copyBack)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ended := make(chan rawtls.EndReason, 1)
			ts := startServer(t, &rawtls.Server{DrainQuiet: quiet, Handler: tc.handler, Hooks: &rawtls.Hooks{
				Closed: func(c *rawtls.Conn) { ended <- c.EndReason() },
			}}, certs.Options{})
			c := ts.mustDial(t, ts.clientConfig())
			if err := echo(c, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*ioTimeout)
			defer cancel()
			shut := make(chan error, 1)
			go func() { shut <- ts.srv.Shutdown(ctx) }()
			waitFor(t, ioTimeout, "the server to drain", func() bool { return rawtls.Draining(ts.srv) })
			// Well within DrainQuiet of the hello.
			sent := stallRecord(t, c.tcp)
			took := closedAfter(t, c.tcp, sent)
			switch {
			case took < quiet:
				t.Errorf("closed %v after the stalled record's last byte, before DrainQuiet (%v)", took, quiet)
			case took > quiet+late:
				t.Errorf("closed %v after the stalled record's last byte, more than %v after DrainQuiet (%v)", took, late, quiet)
			}
			if r := <-ended; r != rawtls.EndShutdown {
				t.Errorf("the connection ended as %v, want %v", r, rawtls.EndShutdown)
			}
			if err := <-shut; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		})
	}
}
