package ws

import (
	"encoding/binary"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/listener"
)

// pongStall is how long the client of TestPongsWaitForStalledReader
// reads nothing once the server's pong waits for it: more than the
// second gorilla's own ping handler gives a pong, far less than
// listener.TakeWait, with room for a loaded machine between.
const pongStall = 2500 * time.Millisecond

// pingBatch is how many pings the tests' clients send per write.
const pingBatch = 64

// sendPings writes batches of pings of 125 bytes, each carrying its
// number, until stop is closed or a write fails, counting in sent the
// pings written whole. Each write is bounded by bound.
func sendPings(rc *rawConn, stop <-chan struct{}, sent *atomic.Int64, bound time.Duration) error {
	var buf []byte
	payload := make([]byte, 125)
	for n := int64(0); ; {
		select {
		case <-stop:
			return nil
		default:
		}
		buf = buf[:0]
		for range pingBatch {
			binary.BigEndian.PutUint64(payload, uint64(n))
			buf = append(buf, frame{fin: true, op: opPing, payload: payload}.encode()...)
			n++
		}
		rc.conn.SetWriteDeadline(time.Now().Add(bound))
		if _, err := rc.conn.Write(buf); err != nil {
			return err
		}
		sent.Add(pingBatch)
	}
}

// pingedServer serves s with pings and the idle timeout a minute away, and
// dials it with a client whose receive buffer is small, set before the
// connection, so that pongs it does not read fill it soon; the server's
// socket has a send buffer of sendBuffer bytes (the kernel doubles it).
// closed gets
// the close code of the connection when it ends; lastWrite tells when the
// server's latest write to the client's socket began (zero before one).
func pingedServer(t *testing.T, serve startFunc, sendBuffer int) (s *Server, rc *rawConn, closed chan int, lastWrite func() time.Time) {
	t.Helper()
	closed = make(chan int, 1)
	s = &Server{PingInterval: time.Minute, IdleTimeout: time.Minute,
		Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}
	var clock atomic.Pointer[writeClock]
	ts := serve(t, s, func(c net.Conn) net.Conn {
		// A fixed send buffer: Linux grows one to megabytes, and beside
		// busy loops under -race filling a grown buffer with 127-byte
		// pongs took seconds.
		if err := c.(*net.TCPConn).SetWriteBuffer(sendBuffer); err != nil {
			t.Errorf("server socket's send buffer: %v", err)
		}
		wc := &writeClock{Conn: c}
		clock.Store(wc)
		return wc
	})
	ts.rawDialer = smallReceiveBuffer(4 << 10)
	rc, _ = ts.dialRaw(t, nil)
	return s, rc, closed, func() time.Time {
		if wc := clock.Load(); wc != nil {
			return wc.lastBegan()
		}
		return time.Time{}
	}
}

// pongBuffer is the send buffer of the server's socket in the pong
// tests (the kernel doubles it).
const pongBuffer = 32 << 10

// writeClock is a server's socket that notes when its latest write
// began: once the client takes nothing more, when the write that waits
// for it began.
type writeClock struct {
	net.Conn
	began atomic.Int64 // Unix nanoseconds; zero before the first write
}

func (c *writeClock) Write(p []byte) (int, error) {
	c.began.Store(time.Now().UnixNano())
	return c.Conn.Write(p)
}

// NetConn returns the socket under the clock.
func (c *writeClock) NetConn() net.Conn { return c.Conn }

// lastBegan is when the latest write began, zero before the first.
func (c *writeClock) lastBegan() time.Time {
	if n := c.began.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// TestPongsWaitForStalledReader: a client that sends pings while it
// reads nothing for a few seconds, then reads, gets a pong for every
// ping, in order, and its connection stays open. gorilla's own ping
// handler gave each pong a second: the pong it cut left the connection
// unable to send anything, and the client was dropped, with no close
// frame, though the same client stalling behind its echoes is waited for.
func TestPongsWaitForStalledReader(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		s, rc, closed, lastWrite := pingedServer(t, serve, pongBuffer)

		var sent atomic.Int64
		stop := make(chan struct{})
		wrote := make(chan error, 1)
		go func() { wrote <- sendPings(rc, stop, &sent, time.Minute+pongStall+4*ioWait) }()
		waitAllWriting(t, s, 1, "the server's pongs never waited for the client")
		// The stall on trial: the server's latest write has waited
		// pongStall, and the server must simply not have given up. Timed
		// from that write, not from the first pong seen in progress: the
		// server's socket buffer takes megabytes of pongs first, which on
		// a loaded machine took seconds, and the stall would have been
		// shorter than pongStall, or none.
		giveUp := time.After(time.Minute)
		for began := lastWrite(); began.IsZero() || time.Since(began) < pongStall; began = lastWrite() {
			select {
			case code := <-closed:
				t.Fatalf("connection closed (code %d) while its client stalled", code)
			case <-giveUp:
				t.Fatalf("no write of the server's waited %v within a minute, %d pings sent", pongStall, sent.Load())
			case <-time.After(10 * time.Millisecond):
			}
		}
		close(stop)

		got := readPongs(t, rc, &sent, wrote, 0)
		t.Logf("%d pongs, all read after a stall of %v", got, pongStall)
		select {
		case code := <-closed:
			t.Fatalf("connection closed (code %d) though its client read every pong", code)
		default:
		}
		rc.expectEchoOrClose([]frame{{fin: true, op: opText, payload: []byte("after the stall")}}, 0)
		rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseNormalClosure, "")})
		if code, reason := rc.readClose(); code != websocket.CloseNormalClosure {
			t.Fatalf("close %d %q, want %d", code, reason, websocket.CloseNormalClosure)
		}
		rc.expectEOF()
	})
}

// TestPingFloodNotReadDropped: a client that sends pings without end and
// reads none of the pongs holds its connection no longer than
// listener.TakeWait (and two listener.TakeLook) after the pongs stop going
// out, and no more of the server meanwhile:
// the reader stops at the pong that waits, so the client's pings are held
// back by TCP, not read and queued. It is dropped without a close frame
// (code 0), which could not reach it.
//
// The pongs stop going out when the server's socket buffer is full, and
// the clock starts at the write that then waits (writeClock), not when
// the first pong write was seen in progress: the server's buffer takes
// megabytes of pongs, and on a loaded two-core machine under -race
// filling it took over ten seconds, so a clock started at the first
// pong ran out while the server was still sending.
func TestPingFloodNotReadDropped(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		s, rc, closed, lastWrite := pingedServer(t, serve, pongBuffer)

		var sent atomic.Int64
		wrote := make(chan error, 1)
		go func() { wrote <- sendPings(rc, nil, &sent, writeWait+4*ioWait) }()
		waitAllWriting(t, s, 1, "the server's pongs never waited for the client")
		seen := time.Now()
		// The pong's watch is the bound; ioWait is room for a loaded
		// machine.
		bound := listener.TakeWait + 2*listener.TakeLook + ioWait
		// What the buffers on the way hold, a few MiB at most: a server
		// that read on past the waiting pong would take far more.
		const held = 32 << 20
		look := time.NewTicker(100 * time.Millisecond)
		defer look.Stop()
		// Whatever the pace: a server still sending pongs after this
		// reads on past the waiting one.
		giveUp := time.After(2 * time.Minute)
	wait:
		for {
			select {
			case code := <-closed:
				last := lastWrite()
				took := time.Since(last)
				t.Logf("dropped %v after its last write began, which came %v after the first pong was seen waiting; %d pings sent",
					took.Round(time.Millisecond), last.Sub(seen).Round(time.Millisecond), sent.Load())
				if took > bound {
					t.Errorf("dropped %v after its last write began, want within %v (no bytes taken for %v)", took.Round(time.Millisecond), bound, listener.TakeWait)
				}
				if code != 0 {
					t.Errorf("close code %d, want 0: no close frame could reach the client", code)
				}
				break wait
			case <-giveUp:
				t.Fatalf("still open 2m after the pongs began to wait, %d pings sent", sent.Load())
			case <-look.C:
				// Zero for the moment between the write's count, which
				// waitAllWriting saw, and the socket's write.
				if began := lastWrite(); !began.IsZero() && time.Since(began) > bound {
					waited := time.Since(began)
					t.Fatalf("still open %v after its last write began (no bytes taken for %v)", waited.Round(time.Millisecond), listener.TakeWait)
				}
				if n := sent.Load() * 131; n > held {
					t.Fatalf("%d MiB of pings sent to a server whose pongs wait, want it held back", n>>20)
				}
			}
		}
		select {
		case <-wrote: // the writer meets the closed connection
		case <-time.After(ioWait):
			t.Fatal("the client's writes did not end with the connection")
		}
		if n := sent.Load() * 131; n > held {
			t.Errorf("%d MiB of pings sent to a server whose pongs wait, want it held back", n>>20)
		}
	})
}

// readPong reads the pong of ping got (sendPings numbers them), failing
// the test on anything else.
func readPong(t *testing.T, rc *rawConn, sent *atomic.Int64, got int64) {
	t.Helper()
	f, err := rc.readFrame()
	if err != nil {
		t.Fatalf("after %d of %d pongs: %v", got, sent.Load(), err)
	}
	if f.op != opPong || len(f.payload) != 125 || binary.BigEndian.Uint64(f.payload) != uint64(got) {
		t.Fatalf("after %d pongs got %v, want the pong of ping %d", got, f, got)
	}
}

// readPongs reads the pongs from ping got on, until the pings' writer,
// told to stop, has stopped (its result comes on wrote) and every ping
// it sent is answered; it returns how many pongs were read in all.
func readPongs(t *testing.T, rc *rawConn, sent *atomic.Int64, wrote <-chan error, got int64) int64 {
	t.Helper()
	writing := true
	for writing || got < sent.Load() {
		if writing && got == sent.Load() {
			// Every pong so far is read: the writer's last write is
			// taken, and it stops.
			select {
			case err := <-wrote:
				if err != nil {
					t.Fatalf("sending pings: %v", err)
				}
			case <-time.After(ioWait):
				t.Fatalf("the pings' writer did not stop, %d sent", got)
			}
			writing = false
			continue
		}
		readPong(t, rc, sent, got)
		got++
	}
	return got
}
