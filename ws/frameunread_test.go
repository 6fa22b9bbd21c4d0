package ws

import (
	"bytes"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// heldReader is the server's socket under a reader that stops once it
// has read the bytes it was armed for: every read that starts after the
// one that returned them waits until release is closed, so what the
// client sends meanwhile waits in the socket, as on a loaded machine
// whose reading goroutine is not scheduled. NetConn gives the socket, so
// the keepalive sees what waits there.
type heldReader struct {
	net.Conn
	armed   *atomic.Bool
	held    atomic.Bool
	release <-chan struct{}
}

func (c *heldReader) Read(p []byte) (int, error) {
	if c.held.Load() {
		<-c.release
	}
	n, err := c.Conn.Read(p)
	if n > 0 && c.armed.CompareAndSwap(true, false) {
		c.held.Store(true)
	}
	return n, err
}

// NetConn returns the socket under the held reader.
func (c *heldReader) NetConn() net.Conn { return c.Conn }

// TestFrameCompletedUnreadHoldsVerdict: a pinged client inside a frame
// that sends the frame's whole rest in time is not dropped because the
// server's reader is late to read it: the frame completes once read,
// and a complete frame is life as a pong is (README: the server is
// behind, not the client). The keepalive held the verdict only for
// input of at least the frame's rest plus a pong, so on ws://, where
// the socket holds the frame's bytes alone, such a client was dropped
// with 1008 "no pong"; over TLS the records' overhead made up the
// pong's bytes.
func TestFrameCompletedUnreadHoldsVerdict(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		var armed atomic.Bool
		release := make(chan struct{})
		var once atomic.Bool
		letGo := func() {
			if once.CompareAndSwap(false, true) {
				close(release)
			}
		}
		defer letGo()
		held := make(chan struct{}, 1)
		s := &Server{
			PingInterval: livePingInterval,
			Logger:       slog.New(&eventHandler{msg: "ping's answer may be unread", seen: held}),
		}
		ts := serve(t, s, func(c net.Conn) net.Conn { return &heldReader{Conn: c, armed: &armed, release: release} })
		rc, _ := ts.dialRaw(t, nil)

		// The frame's header, its mask and 2 bytes: then the server's
		// reader stops, and the rest of the frame waits in its socket.
		const size = 1 << 10
		payload := bytes.Repeat([]byte("u"), size)
		wire := frame{fin: true, op: opBinary, payload: payload}.encode()
		head := len(wire) - size + 2
		armed.Store(true)
		rc.conn.SetWriteDeadline(timeIn(ioWait))
		if _, err := rc.conn.Write(wire[:head]); err != nil {
			t.Fatal(err)
		}
		for armed.Load() {
			time.Sleep(time.Millisecond) // until the server has read them
		}
		if _, err := rc.conn.Write(wire[head:]); err != nil {
			t.Fatal(err)
		}

		// The keepalive pings, and at its verdict finds the frame's rest
		// unread: it waits for the reader.
		select {
		case <-held:
		case <-time.After(10 * livePingInterval):
			t.Error("the keepalive's verdict was not held by the frame's rest waiting unread")
		}
		letGo()
		got := rc.mustEcho(true)
		if !bytes.Equal(got, payload) {
			t.Fatalf("echo of %d bytes differs from the %d sent", len(got), size)
		}
	})
}
