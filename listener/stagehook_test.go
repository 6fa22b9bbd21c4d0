package listener_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestStageDeadlineClearedByHook: a BeforeHandshake hook that clears a
// deadline through the Conn (no deadline) still has its reads and writes
// end at the stages' own deadline, HandshakeTimeout after accept: a
// client that sends nothing, or takes nothing, holds its slot no longer
// than one that stalls in the TLS handshake.
func TestStageDeadlineClearedByHook(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		use  func(c *listener.Conn) error
	}{
		{"SetDeadline read", func(c *listener.Conn) error {
			c.SetDeadline(time.Time{})
			_, err := c.Read(make([]byte, 1))
			return err
		}},
		{"SetReadDeadline", func(c *listener.Conn) error {
			c.SetReadDeadline(time.Time{})
			_, err := c.Read(make([]byte, 1))
			return err
		}},
		{"SetWriteDeadline", func(c *listener.Conn) error {
			c.SetWriteDeadline(time.Time{})
			// More than the client's receive buffer and the server's
			// send buffer hold: the client reads none of it.
			_, err := c.Write(make([]byte, 64<<20))
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ended := make(chan error, 1)
			l := listen(t, listener.Options{
				HandshakeTimeout: 500 * time.Millisecond,
				BeforeHandshake: func(_ context.Context, c *listener.Conn) error {
					err := tt.use(c)
					ended <- err
					return err
				},
			})
			acceptAll(t, l)
			client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			select {
			case err := <-ended:
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("the hook's I/O ended with %v, not the stages' deadline", err)
				}
			case <-time.After(ioTimeout):
				t.Fatal("the hook's I/O outlasted the stages' deadline: clearing a deadline lifted it")
			}
		})
	}
}

// TestDeadlineAfterHandOver: on a plain listener with the PROXY stage,
// the request bytes that came with the header are still put back when
// the connection is handed out; the deadlines its server sets from then
// on are its own, not cut to the stages' deadline, which has passed.
func TestDeadlineAfterHandOver(t *testing.T) {
	t.Parallel()
	p, err := listener.NewProxy(listener.ProxyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const timeout = time.Second
	l := listen(t, listener.Options{Proxy: p, HandshakeTimeout: timeout})
	got := acceptAll(t, l)
	client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	// The header and the first bytes in one write: the stage reads both.
	if _, err := io.WriteString(client, "PROXY TCP4 192.0.2.1 192.0.2.2 1000 443\r\nhello"); err != nil {
		t.Fatal(err)
	}
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	c := a.c.(*listener.Conn)
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read %q, %v", buf, err)
	}
	// A server's own deadline, past the stages' one; then the client
	// speaks only once the stages' deadline has gone by.
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	<-time.After(time.Until(c.Accepted.Add(timeout + 100*time.Millisecond)))
	if _, err := io.WriteString(client, "more"); err != nil {
		t.Fatal(err)
	}
	buf = buf[:4]
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "more" {
		t.Fatalf("read after the stages' deadline: %q, %v", buf, err)
	}
}
