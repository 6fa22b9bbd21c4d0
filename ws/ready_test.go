package ws

import (
	"bytes"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestBusyWaitServes: a busy connection's wait echoes the messages that
// arrive whole itself (readyEcho), inside listener.InputWait.Run, and
// leaves anything else to gorilla: several messages in one record, a
// ping before a message and one after it, a message in two records, a
// close behind a message. Each is answered as the echo always answers it,
// and the connection goes back to waiting in Run.
func TestBusyWaitServes(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	bin := func(s string) frame { return frame{fin: true, op: opBinary, payload: []byte(s)} }
	expect := func(msgs ...string) {
		t.Helper()
		for _, m := range msgs {
			if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, []byte(m)) {
				t.Fatalf("got op %#x %q, want the echo of %q", op, got, m)
			}
		}
	}
	pong := func(payload string) {
		t.Helper()
		if f := rc.mustFrame(); f.op != opPong || string(f.payload) != payload {
			t.Fatalf("got %v %q, want the pong to ping %q", f, f.payload, payload)
		}
	}
	serving := func(after string) {
		t.Helper()
		if g := waitsOnSocket(t, c); !strings.Contains(g, "listener.(*InputWait).Run(") {
			t.Fatalf("after %s the connection waits, but not in a wait that serves:\n%s", after, g)
		}
	}
	warmUp(t, rc)
	serving("a busy connection's messages")

	rc.write(bin("one"), bin("two"), bin("three"))
	expect("one", "two", "three")
	serving("three messages in one record")

	rc.write(frame{fin: true, op: opPing, payload: []byte("before")}, bin("after the ping"))
	pong("before")
	expect("after the ping")
	serving("a ping and a message in one record")

	rc.write(bin("before the ping"), frame{fin: true, op: opPing, payload: []byte("after")})
	expect("before the ping")
	pong("after")
	// gorilla takes a control frame only as it looks for the next
	// message, and waits for that inside its reader.
	rc.write(bin("next"))
	expect("next")
	serving("a message and a ping in one record")

	rc.write(frame{fin: false, op: opBinary, payload: []byte("first half, ")})
	rc.write(frame{fin: true, op: opCont, payload: []byte("second half")})
	expect("first half, second half")
	serving("a message in two records")

	rc.write(bin("last"), frame{fin: true, op: opClose, payload: closePayload(1000, "done")})
	expect("last")
	rc.expectClose(1000)
}

// TestBusyWaitLeavesInputWhole: input a busy connection's wait read and
// left to gorilla (messages with a ping behind them) reaches gorilla
// whole when a keepalive ping went out since the last wait, which makes
// the wait look for the pong itself (takeControl). It once kept only the
// first 262 bytes of what was left, and the echo stalled inside the
// first message, waiting for bytes the client had sent.
func TestBusyWaitLeavesInputWhole(t *testing.T) {
	t.Parallel()
	// The warm-up's messages count as quick however long a loaded
	// machine takes to echo them.
	s, conns := opened(&Server{PingInterval: time.Second, quickGap: time.Hour})
	// The keepalive looks every 250ms, and a look that finds nothing
	// new since the one before ends the busy wait (nudge): its looks
	// wait until the message's start has ended the wait, however long
	// the test's own looks take on a loaded machine. The first look
	// after sees the warm-up's frames, and the ping follows a second
	// later.
	release := holdLooks(s)
	defer release()
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	bin := func(s string) frame { return frame{fin: true, op: opBinary, payload: []byte(s)} }
	expect := func(m string) {
		t.Helper()
		if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, []byte(m)) {
			t.Fatalf("got op %#x %d bytes %.32q, want the echo of %d bytes %.32q", op, len(got), got, len(m), m)
		}
	}
	warmUp(t, rc)
	if g := waitsOnSocket(t, c); !strings.Contains(g, "listener.(*InputWait).Run(") {
		t.Fatalf("a busy connection waits, but not in a wait that serves:\n%s", g)
	}
	// A message begun and left to gorilla, which reads the rest inside
	// its reader while the keepalive pings, for no frame completes.
	slow := strings.Repeat("s", 100)
	wire := bin(slow).encode()
	rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
	if _, err := rc.conn.Write(wire[:10]); err != nil {
		t.Fatal(err)
	}
	waitEnded(t, c)
	release()
	if f := rc.mustFrame(); f.op != opPing {
		t.Fatalf("got %v, want the keepalive's ping", f)
	}
	if _, err := rc.conn.Write(wire[10:]); err != nil {
		t.Fatal(err)
	}
	expect(slow)
	// More than takeControl's buffer, ending in a control frame: the
	// wait leaves it all to gorilla.
	long := strings.Repeat("l", 400)
	rc.write(bin(long), bin("short"), frame{fin: true, op: opPing, payload: []byte("p")})
	expect(long)
	expect("short")
	if f := rc.mustFrame(); f.op != opPong || string(f.payload) != "p" {
		t.Fatalf("got %v %q, want the pong to ping \"p\"", f, f.payload)
	}
}

// gateConn is an accepted socket whose next write, once armed, waits
// for the test to open the gate, as a write waits for a client that has
// stopped reading. It keeps the socket's SyscallConn, so the echo still
// waits on the socket.
type gateConn struct {
	*net.TCPConn
	armed   atomic.Bool
	blocked chan struct{} // receives as an armed write starts waiting
	open    chan struct{} // closed by the test to let it through
}

func (g *gateConn) Write(p []byte) (int, error) {
	if g.armed.CompareAndSwap(true, false) {
		g.blocked <- struct{}{}
		<-g.open
	}
	return g.TCPConn.Write(p)
}

// batchConn holds a client's writes while hold is set, to send them in
// one write: the TLS records of a message longer than one arrive
// together, and the server reads them in one wait.
type batchConn struct {
	net.Conn
	hold bool
	buf  []byte
}

func (b *batchConn) Write(p []byte) (int, error) {
	if b.hold {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	return b.Conn.Write(p)
}

// send writes what was held.
func (b *batchConn) send() error {
	b.hold = false
	_, err := b.Conn.Write(b.buf)
	b.buf = nil
	return err
}

// TestBusyWaitNudgedKeepsEnd: a busy connection's wait whose echo takes
// long enough (a client that does not read) for the keepalive to nudge
// it, to start again on a fresh goroutine, still ends the connection as
// the next message in what it read calls for: text that is not UTF-8
// gets 1007. The nudge once dropped that message's error, handing the
// connection to a fresh wait instead, and the client got no close.
func TestBusyWaitNudgedKeepsEnd(t *testing.T) {
	t.Parallel()
	gates := make(chan *gateConn, 1)
	s, conns := opened(&Server{})
	ts := startServerVia(t, s, func(nc net.Conn) net.Conn {
		g := &gateConn{TCPConn: nc.(*net.TCPConn), blocked: make(chan struct{}, 1), open: make(chan struct{})}
		gates <- g
		return g
	})
	var client *batchConn
	rc, _ := ts.dialRawVia(t, nil, func(nc net.Conn) net.Conn { client = &batchConn{Conn: nc}; return client })
	c, g := <-conns, <-gates
	opened := true
	defer func() {
		if opened {
			close(g.open)
		}
	}()
	bin := func(s string) frame { return frame{fin: true, op: opBinary, payload: []byte(s)} }
	warmUp(t, rc)
	if w := waitsOnSocket(t, c); !strings.Contains(w, "listener.(*InputWait).Run(") {
		t.Fatalf("a busy connection waits, but not in a wait that serves:\n%s", w)
	}
	// Longer than the writes the echo holds back to send with the next
	// (16 KiB): its echo is written while the wait still serves.
	long := strings.Repeat("l", 17<<10)
	g.armed.Store(true)
	client.hold = true
	rc.write(bin(long), frame{fin: true, op: opText, payload: []byte("not \xff UTF-8")})
	if err := client.send(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.blocked:
	case <-time.After(ioWait):
		t.Fatal("the echo of the first message was not written")
	}
	if s := stacks(); !strings.Contains(s, "ws.(*readyEcho).step(") {
		t.Fatalf("the echo is written, but not from the wait's step:\n%s", s)
	}
	// As the keepalive does once a look finds nothing changed since
	// the last: the write it waits for changes nothing.
	c.nudge()
	opened = false
	close(g.open)
	if op, _, got := rc.readMessage(); op != opBinary || string(got) != long {
		t.Fatalf("got op %#x %d bytes, want the echo of %d bytes", op, len(got), len(long))
	}
	rc.expectClose(websocket.CloseInvalidFramePayloadData)
}
