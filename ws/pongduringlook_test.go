package ws

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// TestPongReadDuringUnreadLook: a pinged client whose pong waits unread
// behind a busy handler, when the keepalive looks past the deadline: it
// reads the socket's count, then the frame watch. The reader, let go in
// between, takes the pong and the start of a long frame behind it, so
// the watch shows that frame's rest, more than the count had. The client
// was dropped with close 1008 though its pong had come; the look now sees
// that a frame completed meanwhile, and the connection goes on.
//
// Over ws:// only: over TLS the rest of a record crypto/tls holds is out
// of the socket's count, and the watch says nothing of the rest then.
func TestPongReadDuringUnreadLook(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	let := sync.OnceFunc(func() { close(release) })
	t.Cleanup(let)
	h := busyFirst(release)
	conns := make(chan *Conn, 1)
	s := &Server{PingInterval: testPingInterval, Handler: h, Hooks: &Hooks{Opened: func(c *Conn) { conns <- c }}}
	moved := make(chan bool, 1)
	var look sync.Once
	s.afterSocketLook = func() {
		look.Do(func() {
			c := <-conns
			let()
			w := &c.nc.watch
			deadline := time.Now().Add(ioWait)
			for w.pongs.Load() == 0 || w.arriving.Load() == 0 {
				if time.Now().After(deadline) {
					moved <- false
					return
				}
				time.Sleep(time.Millisecond)
			}
			moved <- true
		})
	}
	ts := startServerOn(t, s, nil, true)
	rc, _ := ts.dialRaw(t, nil)
	bin := func(p []byte) frame { return frame{fin: true, op: opBinary, payload: p} }
	rc.write(bin([]byte("first")))
	if f := rc.mustFrame(); f.op != opPing {
		t.Fatalf("got %v, want the keepalive's ping", f)
	}
	long := bytes.Repeat([]byte("l"), 8<<10)
	wire := bin(long).encode()
	pong := frame{fin: true, op: opPong}.encode()
	rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
	if _, err := rc.conn.Write(append(pong, wire[:100]...)); err != nil {
		t.Fatal(err)
	}
	select {
	case ok := <-moved:
		if !ok {
			t.Fatal("the reader, let go during the look, did not take the pong and the long frame's start")
		}
	case <-time.After(4*testPingInterval + ioWait):
		t.Fatal("the keepalive never looked for an unread answer")
	}
	// Past the keepalive's pings, which a loaded machine can let come
	// before the echo: the client is inside its long frame and cannot
	// answer them, and a ping is no drop. A close 1008 fails mustEcho.
	if got := rc.mustEcho(false); string(got) != "first" {
		t.Fatalf("got %q, want the echo of the first message", got)
	}
	if _, err := rc.conn.Write(wire[100:]); err != nil {
		t.Fatal(err)
	}
	if got := rc.mustEcho(false); !bytes.Equal(got, long) {
		t.Fatalf("got %d bytes, want the echo of the long message (a close 1008 dropped a client whose pong had come)", len(got))
	}
}
