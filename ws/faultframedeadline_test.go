package ws

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// TestFaultFramesAfterPing: the frames the fault echo writes itself
// (frag's, a streamed message's) go out under no write deadline, as
// gorilla's own data frames do, not under the one the last control frame
// left on the socket. WriteFrame wrote past gorilla, whose WriteControl
// sets its deadline and leaves it there: once the keepalive's ping had
// gone out, every frag echo after the ping's bound (the ping interval)
// failed at once, and the connection ended with no close frame.
func TestFaultFramesAfterPing(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		in, err := fault.New(fault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan int, 1)
		const every = 300 * time.Millisecond
		s := &Server{Faults: in, PingInterval: every, Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}
		ts := serve(t, s, nil)
		ts.query = "?fault=frag:4"
		rc, _ := ts.dialRaw(t, nil)

		// The client waits for the keepalive's ping and answers it.
		ping := rc.mustFrame()
		if ping.op != opPing {
			t.Fatalf("got %v, want the keepalive's ping", ping)
		}
		rc.write(frame{fin: true, op: opPong, payload: ping.payload})
		pinged := time.Now()

		// Then it sends messages, each one keeping it alive, until the
		// ping's write bound has long passed: every one comes back.
		for i := 0; time.Since(pinged) < 3*every; i++ {
			msg := []byte(fmt.Sprintf("message %d", i))
			rc.write(frame{fin: true, op: opText, payload: msg})
			if got := rc.mustEcho(true); !bytes.Equal(got, msg) {
				t.Fatalf("echo %d: %q, want %q", i, got, msg)
			}
			time.Sleep(every / 10)
		}
		rc.write(frame{fin: true, op: opClose, payload: closePayload(1000, "")})
		if code, reason := rc.readClose(); code != 1000 {
			t.Fatalf("close answered with %d %q, want 1000", code, reason)
		}
		rc.expectEnd()
		select {
		case code := <-closed:
			if code != 1000 {
				t.Errorf("CloseCode %d, want 1000", code)
			}
		case <-time.After(2 * ioWait):
			t.Fatal("the connection did not end")
		}
	})
}
