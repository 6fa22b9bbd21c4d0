package listener_test

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestCloseAfterFailedWriteSendsNothing: a server's write that its
// deadline ended, to a client that had stopped reading, leaves the TLS
// stream where the client cannot follow it: crypto/tls counts the record
// as sent whole, and part of it or none of it went out. The close_notify
// that tls.Conn.Close still sends then is a record the client cannot
// decrypt ("bad record MAC" when none of the record went out). A client
// that reads again later must get every whole record, then the end of
// the connection. A connection whose writes all completed still ends
// with close_notify.
func TestCloseAfterFailedWriteSendsNothing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		size int // what the server writes
		// deadline is the server's write deadline, from when it writes.
		deadline time.Duration
		// read: the client reads while the server writes.
		read bool
	}{
		// The deadline passed before the answer was ready (net/http's
		// WriteTimeout ran out while a request body was coming).
		{name: "deadline passed before the write", size: 100, deadline: -time.Second},
		// The client stopped reading: the write fills the window and
		// blocks until its deadline cuts it mid-way.
		{name: "write cut mid-way", size: 8 << 20, deadline: 200 * time.Millisecond},
		{name: "writes completed", size: 64 << 10, deadline: ioTimeout, read: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := listen(t, tlsOptions(t, listener.Options{Name: "tls"}))
			acc := acceptAll(t, l)
			d := &net.Dialer{Timeout: ioTimeout, Control: smallReceiveBuffer}
			raw, err := d.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			c := tls.Client(raw, clientConfig(t))
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioTimeout))
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
			a := next(t, acc)
			if a.err != nil {
				t.Fatal(a.err)
			}
			sc := a.c.(*tls.Conn)

			written := make(chan error, 1)
			go func() {
				sc.SetWriteDeadline(time.Now().Add(tt.deadline))
				_, err := sc.Write(make([]byte, tt.size))
				written <- err
			}()
			if tt.read {
				if _, err := io.ReadFull(c, make([]byte, tt.size)); err != nil {
					t.Fatalf("read: %v", err)
				}
			}
			err = <-written
			if tt.read != (err == nil) {
				t.Fatalf("server write: %v", err)
			}
			if !tt.read && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("server write failed with %v, want its deadline", err)
			}
			closed := make(chan struct{})
			go func() {
				sc.Close()
				close(closed)
			}()

			// The client reads again, all there is.
			n, err := io.Copy(io.Discard, c)
			<-closed
			switch {
			case tt.read && err != nil:
				t.Fatalf("after a completed write the client read %v; want close_notify", err)
			case err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET):
				t.Fatalf("after %d bytes the client read %v; want the connection's end, nothing it cannot decrypt", n, err)
			}
		})
	}
}

// smallReceiveBuffer makes the client's window small, so that a server
// writing to a client that does not read blocks soon.
func smallReceiveBuffer(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
	})
}
