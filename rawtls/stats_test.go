package rawtls_test

import (
	"testing"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestStatsKeepClosedConnections checks that Stats counts the bytes of a
// connection both while it is open and after it has ended: the raw
// byte counters of /metrics are built on it, and a counter must not go
// back when a connection closes.
func TestStatsKeepClosedConnections(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	msg := []byte("seven b")
	if err := echo(c, msg); err != nil {
		t.Fatal(err)
	}
	want := rawtls.Stats{BytesRead: int64(len(msg)), BytesWritten: int64(len(msg))}
	// The echo's write is counted once it returns, which may be just
	// after the client has the bytes.
	waitFor(t, ioTimeout, "Stats to count the open connection's echo", func() bool { return ts.srv.Stats() == want })
	c.Close()
	waitFor(t, ioTimeout, "the connection to end", func() bool { return ts.srv.Active() == 0 })
	if st := ts.srv.Stats(); st != want {
		t.Errorf("Stats once the connection ended: %+v, want %+v", st, want)
	}
}
