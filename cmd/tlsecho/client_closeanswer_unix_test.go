//go:build unix

package main

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestClientCloseAnswerBounded: a wss server that takes the message,
// sends close 4001 "bye" and reads no more, its queue full: the client's
// answer to that close stalls, and gets what is left of the echo's
// -timeout, not a second from when the close came (gorilla's own bound),
// which held the report up to a second past a shorter -timeout. The
// deadline the stalled answer waits for shows it: with a -timeout of
// 500ms for the echo it is no later than the echo's own (which began
// before the server had the message), where gorilla's was a second after
// the close was read. The report names the server's close.
func TestClientCloseAnswerBounded(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	took := make(chan time.Time, 1)
	filled := make(chan struct{})
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		if _, _, err := clientFrame(br); err != nil {
			return
		}
		took <- time.Now()
		<-filled
		c.Write([]byte{0x88, 0x05, 0x0f, 0xa1, 'b', 'y', 'e'})
		select {
		case <-stop:
		case <-time.After(2 * ioWait):
		}
	})
	conns := make(chan *fullQueueConn, 1)
	waitsUntil := make(chan time.Time, 1)
	var c *client
	c = fullQueueClient(t, []string{"-insecure", "-timeout", ioWait.String(), u, "hello"}, func(fq *fullQueueConn) {
		fq.waitsUntil = waitsUntil
		conns <- fq
		// The handshake and the upgrade keep the -timeout they began
		// with, which a loaded machine under -race needs; the echo,
		// and the answer, get the short one. This runs on the client's
		// own goroutine, before it reads the -timeout again.
		c.o.timeout = timeout
	})
	done := make(chan error, 1)
	go func() { done <- c.run(context.Background(), strings.NewReader("")) }()
	var tookAt time.Time
	select {
	case tookAt = <-took:
	case err := <-done:
		t.Fatalf("the client ended (%v) before the server read the message", err)
	case <-time.After(ioWait):
		t.Fatalf("the server read nothing within %v", ioWait)
	}
	(<-conns).fill()
	close(filled)
	var err error
	select {
	case err = <-done:
	case <-time.After(ioWait):
		t.Fatalf("no report within %v", ioWait)
	}
	if want := `closed the WebSocket with 4001 "bye" instead of sending the echo`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v; want one saying %q", err, want)
	}
	select {
	case until := <-waitsUntil:
		if echoEnd := tookAt.Add(timeout); until.After(echoEnd) {
			t.Errorf("the answer to the close waited until %v after the echo's -timeout ran out", until.Sub(echoEnd))
		}
	default:
		// On a loaded machine the echo's -timeout may have run out
		// before the close came: then no answer is tried at all.
		t.Log("no answer waited on the full queue")
	}
}
