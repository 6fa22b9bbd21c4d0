package ws

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// pacedIdle is the IdleTimeout of the paced echo tests: the bound a
// client that takes none of a paced echo is held by, and shorter than
// the echoes, each of which a client that reads must get whole however
// long it lasts. Not shorter: reading a message of hundreds of KiB under
// -race on a loaded two-core machine once paused longer than a second,
// and the server rightly closed the connection as idle meanwhile.
const pacedIdle = 2 * time.Second

// pacedServer serves /ws?fault=<spec> with IdleTimeout pacedIdle and
// pings far beyond the tests (only the rule of writes not taken may end
// a connection early), and sends on ended why each connection ended: the
// keepalive's reason (expiredStuck for a write not taken) and the close
// code.
func pacedServer(t *testing.T, serve startFunc, spec string) (ts *testServer, ended chan [2]int) {
	t.Helper()
	in, err := fault.New(fault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ended = make(chan [2]int, 1)
	ts = serve(t, &Server{Faults: in, IdleTimeout: pacedIdle, PingInterval: time.Minute,
		Hooks: &Hooks{Closed: func(c *Conn) { ended <- [2]int{int(c.expired.Load()), c.CloseCode()} }},
	}, nil)
	ts.url += "?fault=" + spec
	return ts, ended
}

// TestPacedEchoNotTaken: under bw a client that sends a message and
// reads none of its echo is dropped as any client that takes none of a
// write is, with close code 0: IdleTimeout and a keepalive period after
// its receive window filled (within a moment here: a 4 KiB buffer at 16
// KiB/s). The rule for writes not taken used to leave paced writes alone,
// since they are slow on purpose: such a client held its connection
// until the paced write ended (a 1 MiB echo at 1 KiB/s: 17 minutes; 16 s
// here), and for good once the server's send buffer was full too.
func TestPacedEchoNotTaken(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts, ended := pacedServer(t, serve, "bw:16KiB")
		// Made before the dial: the server's idle clock runs from the
		// upgrade (see TestPacedEchoTakenSlowly).
		msg := binaryOfSize(256 << 10)
		c, _ := ts.dial(t, smallWindowDialer(ts), nil)
		c.SetWriteDeadline(time.Now().Add(messageWait(len(msg))))
		if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		// The rule's own time, and room for a loaded machine: well short
		// of the 16 s the echo lasts at the rate.
		bound := pacedIdle + pacedIdle/4 + 3*time.Second
		select {
		case e := <-ended:
			took := time.Since(sent)
			t.Logf("ended %v after the message was sent", took.Round(time.Millisecond))
			if e[0] != expiredStuck || e[1] != 0 {
				t.Errorf("ended by keepalive rule %d with close code %d, want the rule of writes not taken (%d), code 0", e[0], e[1], expiredStuck)
			}
			if took > bound {
				t.Errorf("ended %v after the message was sent, want within %v", took.Round(time.Millisecond), bound)
			}
		case <-time.After(bound + ioWait):
			t.Fatalf("a client that reads none of a paced echo still connected %v after sending (IdleTimeout %v)", bound+ioWait, pacedIdle)
		}
		// The client finds the connection ended, not held open.
		c.SetReadDeadline(time.Now().Add(ioWait))
		var err error
		for err == nil {
			_, _, err = c.ReadMessage()
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			t.Errorf("the client still connected %v after the drop", ioWait)
		}
	})
}

// TestPacedEchoTakenSlowly: a client that reads a paced echo as it comes
// is never dropped, however long the echo lasts: it gets every byte of
// one longer than IdleTimeout, through a 4 KiB receive buffer whose
// window is full most of the time (each byte it reads is taken at once).
func TestPacedEchoTakenSlowly(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts, ended := pacedServer(t, serve, "bw:256KiB")
		// Made before the dial: the server's idle clock runs from the
		// upgrade, and making 768 KiB of pseudo-random bytes under -race
		// on a loaded two-core machine once took longer than pacedIdle,
		// so the client met the idle close before its first byte.
		msg := binaryOfSize(768 << 10)
		c, _ := ts.dial(t, smallWindowDialer(ts), nil)
		c.SetWriteDeadline(time.Now().Add(4 * ioWait))
		c.SetReadDeadline(time.Now().Add(4 * ioWait))
		start := time.Now()
		// Read while the message is still being sent: the echo streams,
		// and its first paced bytes come while the server is still
		// reading the rest, at the rate of the echo. A client that wrote
		// first and read only after is one that takes none of the echo
		// meanwhile, and on a loaded machine its write outlasted
		// IdleTimeout and the server rightly dropped it.
		wrote := make(chan error, 1)
		go func() { wrote <- c.WriteMessage(websocket.BinaryMessage, msg) }()
		_, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("reading the echo, %v after it began: %v (write: %v)", time.Since(start).Round(time.Millisecond), err, <-wrote)
		}
		took := time.Since(start)
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		t.Logf("echo of %d KiB in %v", len(msg)>>10, took.Round(time.Millisecond))
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs (%d bytes back)", len(msg), len(got))
		}
		if took < pacedIdle {
			t.Errorf("the echo took %v, not longer than IdleTimeout (%v): the test proves nothing", took, pacedIdle)
		}
		select {
		case e := <-ended:
			if e[0] == expiredStuck {
				t.Errorf("ended as a client that takes none of a write, after its echo came whole")
			}
		default:
		}
	})
}
