//go:build unix

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// closeStallTests are sessions whose close is the first write to meet a
// server that stopped reading: what the client sent went into the socket
// buffers whole, the server took some of it and reads no more, and the
// queue has no room left (fullQueueConn, filled once the server says it
// read what it takes). wantErr is in the one-line report.
var closeStallTests = []struct {
	name    string
	ws      bool
	message bool // a MESSAGE, else one line of standard input
	// gated holds the end of input until the queue is full: the close
	// it starts is the write that stalls.
	gated   bool
	wantErr string // in the report
}{
	// The half-close at the end of input sends close_notify.
	{name: "tls, stdin", gated: true, wantErr: "stopped reading"},
	// The echo does not come; closing the connection sends close_notify.
	{name: "tls, MESSAGE", message: true, wantErr: "no echo ("},
	// close 1000 went out; no answer comes; closing the connection
	// sends close_notify.
	{name: "wss, MESSAGE", ws: true, message: true, wantErr: "did not answer the client's close 1000"},
	// The same after the end of input.
	{name: "wss, stdin", ws: true, wantErr: "close after the end of input"},
}

// TestClientCloseStalled: a close that the server does not take is
// bounded by the -timeout of the wait it ends, not by the 5 s crypto/tls
// gives close_notify: with -timeout 1s each run was reported 5 s after
// the server stopped reading, or 6 s where the client first waited for
// an answer to its close 1000.
func TestClientCloseStalled(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	hold := func() {
		select {
		case <-stop:
		case <-time.After(2 * ioWait):
		}
	}
	for _, tt := range closeStallTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// took gets when the server has read what it takes.
			took := make(chan time.Time, 1)
			var u string
			if tt.ws {
				u = rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
					if !echoFirstFrame(c, br) {
						return
					}
					if op, _, err := clientFrame(br); err != nil || op != 0x8 {
						return
					}
					took <- time.Now()
					hold()
				})
			} else {
				u = "tls://" + serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
					if _, err := c.Read(make([]byte, 1)); err != nil {
						return
					}
					took <- time.Now()
					hold()
				})
			}
			args := []string{"-insecure", "-timeout", ioWait.String(), u}
			if tt.message {
				args = append(args, "hello")
			}
			filled := make(chan struct{})
			conns := make(chan *fullQueueConn, 1)
			// Connecting gets ioWait, the session -timeout (see
			// shortSession): a loaded machine under -race took more
			// than 1s for the handshake.
			c := shortSession(fullQueueClient(t, args, func(fq *fullQueueConn) { conns <- fq }), timeout)
			var err error
			var stdin io.Reader = strings.NewReader("")
			switch {
			case tt.gated:
				stdin = &gatedInput{first: "hello\n", open: filled}
			case !tt.message:
				stdin = strings.NewReader("hello\n")
			}
			done := make(chan error, 1)
			go func() { done <- c.run(context.Background(), stdin) }()
			var at time.Time
			select {
			case at = <-took:
			case err := <-done:
				t.Fatalf("the client ended (%v) before the server read what it takes", err)
			case <-time.After(ioWait):
				t.Fatalf("the server read nothing within %v", ioWait)
			}
			(<-conns).fill()
			close(filled)
			select {
			case err = <-done:
			case <-time.After(2 * ioWait):
				t.Fatalf("no report within %v of the server's stall", 2*ioWait)
			}
			after := time.Since(at)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v; want one saying %q", err, tt.wantErr)
			}
			// 5 s or more without the fix; the rest is room for a
			// loaded machine.
			if after > timeout+2*time.Second {
				t.Errorf("reported %v after the server stopped reading, with -timeout %v", after, timeout)
			}
		})
	}
}

// TestClientCloseStalledLongTimeout: the half-close at the end of input
// gets -timeout, as a line does, also when that is more than the 5 s
// crypto/tls gives close_notify: it was given up after 5 s and reported
// as not gone out "within 6s".
func TestClientCloseStalledLongTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 6 * time.Second
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	took := make(chan struct{}, 1)
	u := "tls://" + serveTLS(t, hostileCert(t), nil, func(c net.Conn) {
		if _, err := c.Read(make([]byte, 1)); err != nil {
			return
		}
		took <- struct{}{}
		select {
		case <-stop:
		case <-time.After(2 * ioWait):
		}
	})
	conns := make(chan *fullQueueConn, 1)
	c := fullQueueClient(t, []string{"-insecure", "-timeout", timeout.String(), u}, func(fq *fullQueueConn) { conns <- fq })
	var err error
	filled := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- c.run(context.Background(), &gatedInput{first: "hello\n", open: filled}) }()
	select {
	case <-took:
	case err := <-done:
		t.Fatalf("the client ended (%v) before the server read the line", err)
	case <-time.After(ioWait):
		t.Fatalf("the server read nothing within %v", ioWait)
	}
	(<-conns).fill()
	// The end of input, and so the half-close, comes after this.
	at := time.Now()
	close(filled)
	select {
	case err = <-done:
	case <-time.After(2 * ioWait):
		t.Fatalf("no report within %v of the end of input", 2*ioWait)
	}
	if want := "did not go out in full within 6s"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v; want one saying %q", err, want)
	}
	if after := time.Since(at); after < timeout {
		t.Errorf("the half-close was given up %v after the end of input, -timeout %v", after, timeout)
	}
}
