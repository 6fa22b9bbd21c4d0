//go:build linux

package rawtls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestCloseWithInputPending: the server ends a connection while the
// client's next bytes sit unread in the server's socket and a large answer
// is still queued towards a client with a small receive window. A socket
// closed with unread input is reset by the kernel, and the reset throws
// away what the client has not read yet; closing the way net/http does
// (close_notify, half-close, read and discard, close) lets the client read
// the whole answer, the close_notify and the end of the stream.
func TestCloseWithInputPending(t *testing.T) {
	t.Parallel()
	answer := randomBytes(1<<20, 11)
	ts := startServer(t, &rawtls.Server{Handler: rawtls.HandlerFunc(func(c *rawtls.Conn) error {
		if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
			return err
		}
		if _, err := c.Write(answer); err != nil {
			return err
		}
		// Return once the client's next bytes are in the socket, unread.
		tcp := listener.From(c.NetConn()).NetConn().(*net.TCPConn)
		for deadline := time.Now().Add(ioTimeout); unread(t, tcp) == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Error("the client's bytes never arrived")
				break
			}
		}
		return nil
	})}, certs.Options{})

	for _, version := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			raw, err := smallBuffers(syscall.SO_RCVBUF).Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			w := &wireConn{Conn: raw}
			cfg := ts.clientConfig()
			cfg.MaxVersion = version
			c := tls.Client(w, cfg)
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
			defer cancel()
			if err := c.HandshakeContext(ctx); err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(ioTimeout))
			io.WriteString(c, "hello")
			// The answer has begun, so the server has read "hello"; what
			// comes now stays unread.
			first := make([]byte, 1)
			if _, err := io.ReadFull(c, first); err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, "sent after the server's last read")
			rest, err := io.ReadAll(c)
			got := append(first, rest...)
			if err != nil {
				t.Fatalf("read %d of %d bytes, then %v; want the whole answer and a clean end", len(got), len(answer), err)
			}
			if !bytes.Equal(got, answer) {
				t.Fatalf("got %d bytes, want the %d of the answer", len(got), len(answer))
			}
			if err := w.endsWithCloseNotify(version); err != nil {
				t.Error(err)
			}
		})
	}
}

// unread is the number of bytes in the socket's receive queue.
func unread(tb testing.TB, tcp *net.TCPConn) int {
	tb.Helper()
	rc, err := tcp.SyscallConn()
	if err != nil {
		tb.Fatal(err)
	}
	var n int32
	var errno syscall.Errno
	rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	})
	if errno != 0 {
		tb.Fatalf("ioctl TIOCINQ: %v", errno)
	}
	return int(n)
}
