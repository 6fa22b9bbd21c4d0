package rawtls_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// openedConns returns a Server whose Opened hook hands out each
// connection's listener.Conn.
func openedConns(s *rawtls.Server) (*rawtls.Server, chan *listener.Conn) {
	conns := make(chan *listener.Conn, 4)
	s.Hooks = &rawtls.Hooks{Opened: func(c *rawtls.Conn) { conns <- listener.From(c.NetConn()) }}
	return s, conns
}

// waitsInPlace reports whether a goroutine of the echo waits inside
// listener.InputWait.Run, in the poller.
func waitsInPlace() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "listener.(*InputWait).Run(") && strings.Contains(g, "rawtls.") && strings.Contains(g, "[IO wait") {
			return true
		}
	}
	return false
}

// TestQuietConnectionParks: after each echo a connection whose client
// sends now and then waits with no goroutine, and echoes the next message
// whole when it comes; its idle timeout still ends it, with close_notify.
func TestQuietConnectionParks(t *testing.T) {
	t.Parallel()
	s, conns := openedConns(&rawtls.Server{IdleTimeout: 2 * time.Second})
	ts := startServer(t, s, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	lc := <-conns
	var last time.Time // when the last echo was back: the server read it before
	for i, size := range []int{64, 4096, 20000} {
		if err := echo(c, randomBytes(size, uint64(i))); err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
		last = time.Now()
		waitFor(t, ioTimeout, fmt.Sprintf("the connection to park after echo %d", i), lc.Parked)
	}
	// Parked, the idle watch's wake-up still ends it: the client reads
	// the close_notify (EOF), IdleTimeout after the server's last read.
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil || !isClosed(err) {
		t.Fatalf("read after the idle timeout: %d, %v; want the connection closed", n, err)
	}
	if quiet := time.Since(last); quiet < time.Second {
		t.Fatalf("closed %v after the last echo, before the 2s idle timeout could pass", quiet)
	}
}

// TestBusyConnectionWaitsInPlace: a connection whose messages keep
// coming waits where it echoed, with no park per message, and parks once
// it has been quiet for a second.
func TestBusyConnectionWaitsInPlace(t *testing.T) {
	t.Parallel()
	s, conns := openedConns(&rawtls.Server{})
	ts := startServer(t, s, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	lc := <-conns
	for i := range 20 {
		if err := echo(c, randomBytes(64, uint64(i))); err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
	}
	// Busy: its wait is where it echoed, not in the parked set.
	waitFor(t, ioTimeout, "the busy connection's wait in place", waitsInPlace)
	if lc.Parked() {
		t.Fatal("a busy connection parked")
	}
	start := time.Now()
	waitFor(t, ioTimeout, "the quiet connection to park", lc.Parked)
	if quiet := time.Since(start); quiet < 500*time.Millisecond {
		t.Fatalf("parked %v after its last message, before it was quiet for a second", quiet)
	}
	if err := echo(c, []byte("after the park")); err != nil {
		t.Fatal(err)
	}
}
