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

// TestClientInterruptReset: Ctrl-C during a large send, after which the
// server resets the connection, so that the close Ctrl-C sends fails
// other than by timing out. The report is an interruption said in the
// client's words (the server reset the connection), not the raw Go
// error of the failed write. The context stands in for Ctrl-C, which the
// command turns into one.
func TestClientInterruptReset(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", beyondBuffers)
	type session struct {
		began chan struct{} // the server has the first byte of the send
		reset chan struct{} // closed by the test: reset the connection
	}
	serve := func(s session, c net.Conn, r io.Reader) {
		if _, err := r.Read(make([]byte, 1)); err != nil {
			return
		}
		s.began <- struct{}{}
		select {
		case <-s.reset:
		case <-time.After(ioWait):
		}
		// Linger 0: closing sends a reset, and closing the socket under
		// TLS sends no close_notify before it.
		tcp := c.(*tls.Conn).NetConn().(*net.TCPConn)
		tcp.SetLinger(0)
		tcp.Close()
	}
	for _, scheme := range []string{"tls", "wss"} {
		for _, mode := range []string{"stdin", "MESSAGE"} {
			t.Run(scheme+", "+mode, func(t *testing.T) {
				t.Parallel()
				s := session{began: make(chan struct{}, 1), reset: make(chan struct{})}
				var u string
				if scheme == "tls" {
					u = "tls://" + serveTLSOn(t, smallWindowListener(t), hostileCert(t), nil, func(c net.Conn) { serve(s, c, c) })
				} else {
					u = rawWSServerOn(t, smallWindowListener(t), switched, func(c net.Conn, br *bufio.Reader) { serve(s, c, br) })
				}
				args, stdin := []string{"-insecure", "-timeout", "60s", u}, msg+"\n"
				if mode == "MESSAGE" {
					args, stdin = append(args, msg), ""
				}
				o, err := parseClientArgs(args)
				if err != nil {
					t.Fatal(err)
				}
				c := &client{o: o, stdout: io.Discard, stderr: io.Discard}
				ctx, interrupt := context.WithCancel(context.Background())
				defer interrupt()
				done := make(chan error, 1)
				go func() { done <- c.run(ctx, strings.NewReader(stdin)) }()
				select {
				case <-s.began:
				case err := <-done:
					t.Fatalf("the client ended (%v) before its send reached the server", err)
				case <-time.After(ioWait):
					t.Fatalf("no byte of the send reached the server within %v", ioWait)
				}
				interrupt()
				close(s.reset)
				select {
				case err = <-done:
				case <-time.After(ioWait):
					t.Fatalf("still running %v after Ctrl-C, with -timeout 60s", ioWait)
				}
				if !errors.Is(err, errInterrupted) || !strings.Contains(err.Error(), "reset") ||
					strings.Contains(err.Error(), "write tcp") || strings.Contains(err.Error(), "by peer") {
					t.Errorf("error %v; want an interruption that says, in words, that the server reset the connection", err)
				}
			})
		}
	}
}
