//go:build unix

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientInterruptCloseReset: Ctrl-C while the session's own close
// (close_notify or close 1000 at the end of input, close 1000 after the
// echo) is stalled, after which the server resets the connection, so
// that the close fails other than by timing out. The report is an
// interruption that says in words that the server reset the connection;
// it was the failed write's raw error, or, with standard input, a
// failure that was not called an interruption at all. The context stands
// in for Ctrl-C, which the command turns into one.
func TestClientInterruptCloseReset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ws      bool
		message bool
	}{
		{name: "tls, stdin"},
		{name: "wss, stdin", ws: true},
		{name: "wss, MESSAGE", ws: true, message: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// took gets when the server has read the message; filled
			// closes once the client's queue is full, reset when the
			// server is to reset the connection, and gone gets when it
			// has.
			took := make(chan struct{}, 1)
			filled, reset := make(chan struct{}), make(chan struct{})
			gone := make(chan struct{})
			resetConn := func(c net.Conn) {
				select {
				case <-reset:
				case <-time.After(ioWait):
				}
				// Linger 0: closing the socket under TLS sends a reset
				// and no close_notify.
				tcp := c.(*tls.Conn).NetConn().(*net.TCPConn)
				tcp.SetLinger(0)
				tcp.Close()
				close(gone)
			}
			var u string
			if tt.ws {
				u = rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
					_, p, err := clientFrame(br)
					if err != nil {
						return
					}
					took <- struct{}{}
					<-filled
					c.Write(append([]byte{0x81, byte(len(p))}, p...))
					resetConn(c)
				})
			} else {
				u = "tls://" + serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
					if _, err := c.Read(make([]byte, 1)); err != nil {
						return
					}
					took <- struct{}{}
					resetConn(c)
				})
			}
			args := []string{"-insecure", "-timeout", "60s", u}
			var stdin io.Reader = strings.NewReader("")
			if tt.message {
				args = append(args, "hello")
			} else {
				stdin = &gatedInput{first: "hello\n", open: filled}
			}
			waiting := make(chan struct{}, 1)
			conns := make(chan *fullQueueConn, 1)
			c := fullQueueClient(t, args, func(fq *fullQueueConn) {
				fq.waiting, fq.freed = waiting, gone
				conns <- fq
			})
			ctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			done := make(chan error, 1)
			go func() { done <- c.run(ctx, stdin) }()
			select {
			case <-took:
			case err := <-done:
				t.Fatalf("the client ended (%v) before the server read the message", err)
			case <-time.After(ioWait):
				t.Fatalf("the server read nothing within %v", ioWait)
			}
			(<-conns).fill()
			close(filled)
			select {
			case <-waiting:
			case err := <-done:
				t.Fatalf("the client ended (%v) without its close meeting the full queue", err)
			case <-time.After(ioWait):
				t.Fatalf("no write met the full queue within %v", ioWait)
			}
			interrupt()
			close(reset)
			var err error
			select {
			case err = <-done:
			case <-time.After(ioWait):
				t.Fatalf("still running %v after Ctrl-C, with -timeout 60s", ioWait)
			}
			if !errors.Is(err, errInterrupted) || !strings.Contains(err.Error(), "with a TCP reset") ||
				strings.Contains(err.Error(), "write tcp") || strings.Contains(err.Error(), "by peer") {
				t.Errorf("error %v; want an interruption that says, in words, that the server reset the connection", err)
			}
		})
	}
}
