package rawtls

import (
	"io"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestShortConnectionNeverParks: a client that sends one message, reads
// the echo and closes, as a TLS check or a load generator's handshakes
// do, has its close read where the echo was, without a park and the
// wake-up after it. The grace is made long here so that a slow machine
// cannot pass it between the echo and the close.
func TestShortConnectionNeverParks(t *testing.T) {
	opened := make(chan *listener.Conn, 1)
	closed := make(chan bool, 1)
	srv := &Server{
		Hooks: &Hooks{
			Opened: func(c *Conn) { opened <- c.lc },
			Closed: func(c *Conn) { closed <- c.lc.Parked() },
		},
		grace: time.Minute,
	}
	c := serveDial(t, srv, 30*time.Second)
	msg := []byte("one message, then the close")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
		t.Fatal(err)
	}
	lc := <-opened
	deadline := time.Now().Add(10 * time.Second)
	for !parkedIn("rawtls.(*Conn).runQuiet(") {
		if lc.Parked() {
			t.Fatal("the connection parked right after its first echo")
		}
		if time.Now().After(deadline) {
			t.Fatal("no wait in place after the echo")
		}
		time.Sleep(time.Millisecond)
	}
	if lc.Parked() {
		t.Fatal("parked while its goroutine waits in place")
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after close_notify: %d, %v; want the server's close_notify (EOF)", n, err)
	}
	select {
	case parked := <-closed:
		if parked {
			t.Fatal("the connection ended parked")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection did not end after the client's close_notify")
	}
}
