package ws

import (
	"bytes"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// laggingConn is the server's socket under a reader that falls behind the
// client: each read waits for a tick and takes one byte, so bytes that
// arrive faster wait in the socket, as they do on a loaded machine whose
// reading goroutine is not scheduled in time. NetConn gives the socket
// itself, as the listener's Conn does, so the keepalive sees what waits
// in it.
type laggingConn struct {
	net.Conn
	lagging *atomic.Bool
	tick    <-chan time.Time
	stop    <-chan struct{} // closed when the test ends
}

func (c *laggingConn) Read(p []byte) (int, error) {
	if !c.lagging.Load() {
		return c.Conn.Read(p)
	}
	select {
	case <-c.tick:
	case <-c.stop:
	}
	return c.Conn.Read(p[:min(len(p), 1)])
}

// NetConn returns the socket under the lag.
func (c *laggingConn) NetConn() net.Conn { return c.Conn }

// TestTrickledFrameDroppedBehindLaggingReader: a client trickling a frame
// is dropped about two ping intervals after its last complete frame also
// when the server's reader lags behind it, its bytes waiting in the
// socket. Unread input held back the verdict on a pinged client for as
// long as there was some, since it might hold the answer; a client
// sending without pause left some there at every look of the keepalive
// whenever the reader was late, on a loaded machine for seconds. Input
// shorter than the rest of the frame arriving cannot hold an answer,
// which can only follow the frame.
func TestTrickledFrameDroppedBehindLaggingReader(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		// The reader takes a byte each 40ms, the client sends one each
		// 20ms (over TLS a record of a few dozen bytes): what waits in the
		// socket only grows.
		tick := time.NewTicker(40 * time.Millisecond)
		defer tick.Stop()
		stop := make(chan struct{})
		defer close(stop)
		var lagging atomic.Bool
		ts := serve(t, &Server{PingInterval: livePingInterval}, func(c net.Conn) net.Conn {
			return &laggingConn{Conn: c, lagging: &lagging, tick: tick.C, stop: stop}
		})
		// Over TLS the unread input is counted in bytes of records, a
		// few dozen for each byte the client trickles, so it outgrows
		// the rest of a short frame within a second or so, and may then
		// rightly hold the verdict: the frame is long enough that it
		// does not within the test's bound.
		const size = 8 << 10
		wire := frame{fin: true, op: opBinary, payload: bytes.Repeat([]byte("t"), size)}.encode()
		start := time.Now()
		rc, _ := ts.dialRaw(t, nil)
		lagging.Store(true)
		rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
		if _, err := rc.conn.Write(wire[:10]); err != nil { // header, mask and 2 bytes
			t.Fatal(err)
		}
		ended := rc.framesUntilEnd()
		trickle := time.NewTicker(20 * time.Millisecond)
		defer trickle.Stop()
		for i := 10; i < len(wire); i++ {
			select {
			case err := <-ended:
				took := time.Since(start)
				if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
					t.Fatalf("still connected after %v", took)
				}
				// Two intervals, the frame's allowance at minFrameRate
				// (half a second) and the drop's own steps (the close frame,
				// the discard: up to a second); the rest is room for a
				// loaded machine. Held by the unread input, the client
				// stayed for as long as its frame lasted.
				want := 2*livePingInterval + size*time.Second/minFrameRate
				if took > want+3*time.Second {
					t.Fatalf("dropped after %v, want about %v", took.Round(time.Millisecond), want)
				}
				t.Logf("dropped after %v, %d of %d bytes sent", took.Round(time.Millisecond), i, len(wire))
				return
			case <-trickle.C:
			}
			// A write that fails shows the drop too; the read reports it.
			rc.conn.Write(wire[i : i+1])
		}
		t.Fatalf("not dropped after the whole frame, %v", time.Since(start).Round(time.Millisecond))
	})
}
