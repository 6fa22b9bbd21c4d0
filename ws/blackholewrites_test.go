package ws

import (
	"errors"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// TestBlackholeSilenceOutlastsDeadlines: once blackhole has taken
// effect, no frame reaches the client, also one gorilla writes after a
// control frame. gorilla sets the socket's write deadline before each
// frame: a control frame's bound, then none for a data frame. blackhole
// cut writes with a deadline in the past alone, so a data frame written
// after a pong (a delayed echo's next frame, with the client's pings
// answered between its frames) lifted the cut and went out, and the
// rest of the message with it.
func TestBlackholeSilenceOutlastsDeadlines(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		in, err := fault.New(fault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wrote := make(chan error, 1)
		h := HandlerFunc(func(c *Conn) error {
			defer c.closeSocket()
			// A pong, as the ping handler answers one: gorilla gives it
			// the write deadline of control frames.
			if err := c.pong([]byte("p")); err != nil {
				wrote <- err
				return err
			}
			// The first echo counted: blackhole@1 takes effect.
			if !c.fault.Echoed(1) || !c.fault.Silent() {
				wrote <- errors.New("blackhole@1 did not take effect")
				return nil
			}
			// A frame of the echo whose write began before the verb
			// took effect.
			err := c.WriteFrame(fault.AppendFrame(nil, fault.OpBinary, true, []byte("after blackhole")))
			wrote <- err
			return err
		})
		ts := serve(t, &Server{Handler: h, Faults: in, PingInterval: time.Minute, IdleTimeout: time.Minute}, nil)
		ts.url += "?fault=blackhole@1"
		c, _ := ts.dial(t, nil, nil)
		c.SetReadDeadline(time.Now().Add(4 * ioWait))
		// The pong is taken inside the read; the socket's close ends it.
		mt, msg, rerr := c.ReadMessage()
		werr := <-wrote
		if rerr == nil {
			t.Fatalf("the client got a message of type %d after blackhole took effect: %q (the server's write returned %v)", mt, msg, werr)
		}
		if werr == nil {
			t.Errorf("the server's write after blackhole succeeded; the client read %v", rerr)
		}
	})
}
