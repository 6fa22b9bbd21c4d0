package rawtls_test

import (
	"crypto/tls"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestSlowReaderNotStuck: a client that sends a large message at once and
// then reads its echo steadily, if slowly, is not dropped as one that
// takes none of a write, however long one write of the echo waits for
// room in the server's send buffer. The kernel fills that buffer ahead of
// the echo's writes (megabytes, by its own tuning), and a write returns
// only once it has room again: at 64 KiB/s each write waited seconds, and
// the client was dropped as stuck one IdleTimeout after the echo's first
// write that waited, while it took 64 KiB a second.
func TestSlowReaderNotStuck(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	ended := make(chan rawtls.EndReason, 1)
	ts := startServer(t, &rawtls.Server{IdleTimeout: idle,
		Hooks: &rawtls.Hooks{Closed: func(c *rawtls.Conn) { ended <- c.EndReason() }},
	}, certs.Options{})
	c, err := tls.DialWithDialer(smallBuffers(syscall.SO_RCVBUF), "tcp", ts.addr, ts.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Taken only as fast as the echo goes out: the writes go on beside
	// the test until the connection ends.
	go c.Write(make([]byte, 16<<20))
	const step, steps = 100 * time.Millisecond, 40 // 4 s, four IdleTimeouts
	buf := make([]byte, 64<<10/10)
	tick := time.NewTicker(step)
	defer tick.Stop()
	for i := range steps {
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("after %d bytes read at 64 KiB/s: %v", i*len(buf), err)
		}
		<-tick.C
	}
	select {
	case why := <-ended:
		t.Fatalf("the connection ended (%v) while the client read at 64 KiB/s", why)
	default:
	}
}
