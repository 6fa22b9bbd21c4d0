//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientInterruptStalledClose: Ctrl-C while the client's close is
// the write that stalls (everything before it fitted into the socket
// buffers, the server stopped reading, the queue has no room left) ends
// the session within about a second as an interruption while sending
// that close. It was called an interruption before the session began
// (stdin, and wss:// after the echo), or said the server had not
// answered a close_notify that never went out (tls:// awaiting the echo).
// The context stands in for Ctrl-C, which the command turns into one.
func TestClientInterruptStalledClose(t *testing.T) {
	t.Parallel()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	hold := func() {
		select {
		case <-stop:
		case <-time.After(2 * ioWait):
		}
	}
	tests := []struct {
		name    string
		ws      bool
		message bool
		what    string
	}{
		{name: "tls, stdin", what: "close_notify"},
		{name: "tls, MESSAGE", message: true, what: "close_notify"},
		{name: "wss, stdin", ws: true, what: "close 1000"},
		{name: "wss, MESSAGE", ws: true, message: true, what: "close 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// took gets when the server has read the message; it echoes
			// (on wss) once filled is closed, and then reads no more.
			took := make(chan struct{}, 1)
			filled := make(chan struct{})
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
					hold()
				})
			} else {
				u = "tls://" + serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
					if _, err := c.Read(make([]byte, 1)); err != nil {
						return
					}
					took <- struct{}{}
					hold()
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
				fq.waiting = waiting
				conns <- fq
			})
			var err error
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
			if tt.name == "tls, MESSAGE" {
				// The message is out and the echo awaited: Ctrl-C's
				// close_notify is the write that stalls.
				interrupt()
			}
			select {
			case <-waiting:
			case err := <-done:
				t.Fatalf("the client ended (%v) without its close meeting the full queue", err)
			case <-time.After(ioWait):
				t.Fatalf("no write met the full queue within %v", ioWait)
			}
			interrupt()
			select {
			case err = <-done:
			case <-time.After(ioWait):
				t.Fatalf("still running %v after Ctrl-C, with -timeout 60s", ioWait)
			}
			want := "interrupted while sending " + tt.what + ": "
			if !errors.Is(err, errInterrupted) || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v; want an interruption saying %q", err, want)
			}
		})
	}
}
