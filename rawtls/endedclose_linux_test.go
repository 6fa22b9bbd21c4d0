package rawtls_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// tcpClose is the kernel's TCP_CLOSE state (include/net/tcp_states.h).
const tcpClose = 7

// TestClosedAtOnceAfterClientEnd checks that once the server has read the
// client's end of input (here its close_notify), it closes its socket
// right after its own close_notify, with no linger: the client can send
// nothing more, and its slot is not held. A byte the client's socket
// sends anyway meets a closed socket and is answered with a reset, which
// ends the client's socket (TCP_CLOSE); a server that lingered would
// read and drop the byte, and close with nothing unread: no reset, and
// the client's socket would stay in CLOSE_WAIT.
func TestClosedAtOnceAfterClientEnd(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())
	if err := echo(c, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Fatalf("read after close_notify: %d bytes, %v; want io.EOF", n, err)
	}
	// crypto/tls's close_notify left the socket an expired write deadline.
	c.tcp.SetWriteDeadline(time.Now().Add(ioTimeout))
	if _, err := c.tcp.Write([]byte{0}); err != nil {
		t.Fatal(err)
	}
	rc, err := c.tcp.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ioTimeout, "the reset of a closed socket", func() bool {
		var state uint8
		rc.Control(func(fd uintptr) {
			if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
				state = info.State
			}
		})
		return state == tcpClose
	})
}
