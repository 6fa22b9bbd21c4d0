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
// 800ms for the echo it is no later than the echo's own (which began
// before the server had the message), where gorilla's was a second after
// the close was read. The report names the server's close.
func TestClientCloseAnswerBounded(t *testing.T) {
	t.Parallel()
	const timeout = 800 * time.Millisecond
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
	waits := make(chan queueWait, 1)
	// Connecting gets ioWait, the echo the short -timeout (see
	// shortSession).
	c := shortSession(fullQueueClient(t, []string{"-insecure", "-timeout", ioWait.String(), u, "hello"}, func(fq *fullQueueConn) {
		fq.waits = waits
		conns <- fq
	}), timeout)
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
	// The echo began before the server had the message.
	echoEnd := tookAt.Add(timeout)
	select {
	case w := <-waits:
		if w.began.After(echoEnd) {
			// A loaded machine: the echo's -timeout had run out when
			// the close came, and the write is the close_notify of the
			// connection's end.
			t.Logf("the first write on the full queue came %v after the echo's -timeout", w.began.Sub(echoEnd))
			return
		}
		if w.until.After(echoEnd) {
			t.Errorf("the answer to the close waited until %v after the echo's -timeout ran out", w.until.Sub(echoEnd))
		}
	default:
		t.Error("no write met the full queue")
	}
}
