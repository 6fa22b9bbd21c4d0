package ws

import (
	"context"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestShutdownCloseCountedOnlyIfSent: a client's close that meets
// Shutdown's close 1001 is counted with the code of the close frame
// that went out first, the one the client was told. writeClose notes
// 1001 before its write, and takes it back when gorilla refuses the
// write because its answer to the client's close went out first; the
// connection's end, read meanwhile, counted 1001 for a client that sent
// 1000 and got 1000 back (about one crossing in twenty). The race is
// run many times; a close counted with a code the client was not sent
// fails the test whichever run it comes in; each run in a subtest of
// its own, so that its server is gone before the next starts.
func TestShutdownCloseCountedOnlyIfSent(t *testing.T) {
	t.Parallel()
	const runs = 1000
	answered := 0
	for i := range runs {
		if !t.Run("", func(t *testing.T) {
			opened := make(chan struct{})
			closed := make(chan int, 1)
			s := &Server{PingInterval: time.Minute, Hooks: &Hooks{
				Opened: func(*Conn) { close(opened) },
				Closed: func(c *Conn) { closed <- c.CloseCode() },
			}}
			ts := startServer(t, s)
			rc, _ := ts.dialRaw(t, nil)
			<-opened
			// Either first, in turn: the crossings fall both ways.
			if i%2 == 0 {
				go s.Shutdown(context.Background())
			}
			rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseNormalClosure, "")})
			if i%2 == 1 {
				go s.Shutdown(context.Background())
			}
			sent, _ := rc.readClose()
			var counted int
			select {
			case counted = <-closed:
			case <-time.After(ioWait):
				t.Fatalf("run %d: the connection did not end within %v", i, ioWait)
			}
			if sent == websocket.CloseNormalClosure {
				answered++
			}
			if counted != sent {
				t.Fatalf("run %d: the server's close frame said %d, and %d was counted", i, sent, counted)
			}
		}) {
			return
		}
	}
	t.Logf("%d of %d clients' closes answered before Shutdown's 1001 went out", answered, runs)
}
