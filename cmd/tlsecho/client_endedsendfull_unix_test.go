//go:build unix

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientSendEndsWithServerFullQueue: a server that ends the session
// (close 4001 "bye" on wss://, close_notify on tls://) while the client's
// send is held by a full socket queue is reported within a few seconds,
// with the server's reason, not at -timeout (30s here); with lines of
// standard input and with a MESSAGE. On wss:// with standard input the
// send was waited out to -timeout: the client's answer to the close
// queues behind the frame the send is writing, gives up after a second,
// and nothing else ended the send. Whether a send is held there when the
// close comes depends on scheduling (one run in four with -cpu 1);
// fullQueueConn makes it so every time.
func TestClientSendEndsWithServerFullQueue(t *testing.T) {
	t.Parallel()
	msg := strings.Repeat("x", beyondBuffers)
	tests := []struct{ scheme, mode, want string }{
		{"tls", "stdin", "closed the connection before the end of input"},
		{"wss", "stdin", `closed the WebSocket with 4001 "bye" instead of sending the rest of the echo`},
		{"tls", "MESSAGE", "ended the connection with close_notify instead of sending the echo"},
		{"wss", "MESSAGE", `closed the WebSocket with 4001 "bye" instead of sending the echo`},
	}
	for _, tt := range tests {
		t.Run(tt.scheme+"/"+tt.mode, func(t *testing.T) {
			t.Parallel()
			took, end := make(chan struct{}, 1), make(chan struct{})
			u := endingOnCue(t, tt.scheme, took, end)
			args, stdin := []string{"-insecure", "-timeout", "30s", u}, msg+"\n"
			if tt.mode == "MESSAGE" {
				args, stdin = append(args, msg), ""
			}
			conns := make(chan *fullQueueConn, 1)
			waiting := make(chan struct{}, 1)
			c := fullQueueClient(t, args, func(fq *fullQueueConn) {
				fq.waiting = waiting
				conns <- fq
			})
			done := make(chan error, 1)
			go func() { done <- c.run(context.Background(), strings.NewReader(stdin)) }()
			select {
			case <-took:
			case err := <-done:
				t.Fatalf("the client ended (%.200v) before the server read a byte", err)
			case <-time.After(ioWait):
				t.Fatalf("the server read nothing within %v", ioWait)
			}
			(<-conns).fill()
			select {
			case <-waiting:
			case err := <-done:
				t.Fatalf("the client ended (%.200v) before its send waited on the full queue", err)
			case <-time.After(ioWait):
				t.Fatalf("no send waited on the full queue within %v", ioWait)
			}
			close(end)
			select {
			case err := <-done:
				// Not %v of err alone: a wrong echo would quote the message.
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %.300v; want one saying %q", err, tt.want)
				}
			case <-time.After(ioWait):
				t.Errorf("no report within %v of the server's end, with -timeout 30s", ioWait)
			}
		})
	}
}

// endingOnCue starts a server for scheme ("tls" or "wss", the WebSocket
// upgrade answered) that reads everything the client sends, notes on
// took when the first byte came, and ends the session once end is
// closed (close_notify on tls://, close 4001 "bye" on wss://), holding
// the connection open until the test ends. It reads on, so a client's
// send is held only where a test holds it.
func endingOnCue(t *testing.T, scheme string, took chan<- struct{}, end <-chan struct{}) string {
	t.Helper()
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	serve := func(r io.Reader, bye func()) {
		if _, err := r.Read(make([]byte, 1)); err != nil {
			return
		}
		took <- struct{}{}
		go io.Copy(io.Discard, r)
		select {
		case <-end:
		case <-stop:
			return
		}
		bye()
		<-stop
	}
	if scheme == "tls" {
		return "tls://" + serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
			serve(c, func() { c.(*tls.Conn).CloseWrite() })
		})
	}
	return rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		serve(br, func() { c.Write([]byte{0x88, 0x05, 0x0f, 0xa1, 'b', 'y', 'e'}) })
	})
}
