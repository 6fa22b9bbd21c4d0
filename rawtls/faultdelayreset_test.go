package rawtls_test

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/rawtls"
)

// TestDelayedEchoesDroppedOnReset: under delay, a client that sends more
// than the connection holds (so the echo's reader waits for room and reads
// nothing) and then resets has its connection ended within moments, not
// when the oldest held echo falls due (a minute here): until then it held
// its goroutines, its socket and its slot under the connection limit
// against every other client. The README's rule: a client that resets
// drops its held echoes.
func TestDelayedEchoesDroppedOnReset(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux tells a reset without reading the bytes before it")
	}
	t.Parallel()
	ts, ended := startFaultServer(t, "delay:60s")
	c, err := tls.DialWithDialer(smallBuffers(syscall.SO_SNDBUF), "tcp", ts.addr, ts.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Sent until a write makes no progress: the held echoes are at their
	// budget (64 KiB), the reader waits for room, and the socket buffers
	// between are full.
	chunk := randomBytes(16<<10, 31)
	sent := 0
	for sent < 64<<20 {
		c.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := c.Write(chunk)
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("write after %d bytes: %v", sent, err)
		}
	}
	if sent < 64<<10 {
		t.Fatalf("writes stopped after %d bytes, before the delay's budget was full", sent)
	}
	tcp := c.NetConn().(*net.TCPConn)
	tcp.SetLinger(0)
	reset := time.Now()
	tcp.Close()
	select {
	case r := <-ended:
		t.Logf("ended %v after the reset (%d bytes sent): %v", time.Since(reset).Round(time.Millisecond), sent, r)
		if r != rawtls.EndError {
			t.Errorf("end reason %v, want %v", r, rawtls.EndError)
		}
	case <-time.After(ioTimeout):
		t.Fatalf("still open %v after the client reset, its echoes held for a minute", ioTimeout)
	}
}
