package ws

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// frameAllowanceServer serves its connections through the fault echo
// (delay:10ms), which echoes a message only once it is whole: while a
// frame arrives the server writes nothing and no frame completes, so
// only the allowance for a frame still arriving keeps the client. The
// plain echo writes each piece as it comes, and a write also puts the
// deadline off (keepalive.deadline), which would hide the allowance.
func frameAllowanceServer(t *testing.T) (*testServer, <-chan time.Time) {
	t.Helper()
	in, err := fault.New(fault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan time.Time, 1)
	ts := startServer(t, &Server{PingInterval: testPingInterval, Faults: in,
		Hooks: &Hooks{Opened: func(*Conn) { opened <- time.Now() }}})
	ts.query = "?fault=delay:10ms"
	return ts, opened
}

// TestFrameAllowanceSaneRate: a 192 KiB frame sent at 64 KiB/s takes
// three seconds, six ping intervals, in which the server writes nothing
// and the client can answer no ping; it arrives well above 16 KiB/s, so
// it is given its 12 s and echoed whole.
func TestFrameAllowanceSaneRate(t *testing.T) {
	t.Parallel()
	ts, opened := frameAllowanceServer(t)
	msg := binaryOfSize(192 << 10)
	wire := frame{fin: true, op: opBinary, payload: msg}.encode()
	// A client that a loaded machine keeps from its first bytes for two
	// intervals after the upgrade is rightly dropped as silent: such a
	// run is tried again. Inside the frame it has 12 s.
	notLate(t, testPingInterval, func() (time.Duration, error) {
		rc, _ := ts.dialRaw(t, nil)
		defer rc.conn.Close()
		since := openedAt(t, opened)
		late := time.Since(since)
		if _, err := rc.writePaced(since, wire, 8<<10, 125*time.Millisecond); err != nil { // 64 KiB/s
			return late, err
		}
		// The server pinged meanwhile; skip those to the echo.
		got := rc.mustEcho(false)
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes differs from the %d sent", len(got), len(msg))
		}
		return late, nil
	})
}

// TestFrameAllowanceTrickle: a 32 KiB frame trickled at 1 KiB/s, far
// below 16 KiB/s, is not held to forever: it gets a ping interval and
// its length at 16 KiB/s (2 s) from its first bytes, no less and not
// much more, and the client is then told why with close 1008.
func TestFrameAllowanceTrickle(t *testing.T) {
	t.Parallel()
	ts, opened := frameAllowanceServer(t)
	// The README's rate, not minFrameRate: the test holds the code to
	// what users are told.
	const size, rate = 32 << 10, 16 << 10
	allowance := testPingInterval + time.Duration(size)*time.Second/rate
	// Room for a loaded machine: the keepalive's look, the close
	// handshake's second, a slow scheduler for server and client.
	bound := allowance + 5*time.Second
	wire := frame{fin: true, op: opBinary, payload: binaryOfSize(size)}.encode()
	notLate(t, testPingInterval, func() (time.Duration, error) {
		rc, _ := ts.dialRaw(t, nil)
		defer rc.conn.Close()
		late := time.Since(openedAt(t, opened))
		// The clock starts before the server sees the frame, so a drop
		// earlier than the allowance is a server bug.
		start := time.Now()
		rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
		if _, err := rc.conn.Write(wire[:1<<10]); err != nil {
			return late, err
		}
		var code int
		var reason string
		ended := make(chan error, 1)
		go func() {
			for {
				f, err := rc.readFrame()
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() && time.Since(start) < bound {
					// The server pings once and then says nothing until
					// it drops the client, which may come later than
					// one read's ioWait; no byte was read, so the
					// connection reads on.
					continue
				}
				if err != nil {
					ended <- err
					return
				}
				if f.op == opClose && len(f.payload) >= 2 {
					code, reason = int(f.payload[0])<<8|int(f.payload[1]), string(f.payload[2:])
				}
			}
		}()
		trickle := time.NewTicker(100 * time.Millisecond) // the client's pace: 1 KiB/s
		defer trickle.Stop()
		for off := 1 << 10; ; off += 100 {
			select {
			case err := <-ended:
				took := time.Since(start)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("still connected after %v", took)
				}
				if took < allowance {
					return late, errors.New("dropped after " + took.Round(time.Millisecond).String() + ", before the frame's allowance of " + allowance.String())
				}
				if took > bound {
					t.Fatalf("dropped after %v, want about %v", took, allowance)
				}
				if code != websocket.ClosePolicyViolation {
					t.Errorf("close %d %q, want %d", code, reason, websocket.ClosePolicyViolation)
				}
				t.Logf("dropped after %v, %d of %d bytes sent", took.Round(time.Millisecond), off, len(wire))
				return late, nil
			case <-trickle.C:
			}
			if off+100 > len(wire) {
				t.Fatal("the whole frame went out before the drop")
			}
			// A write that fails shows the drop too; the read reports it.
			rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
			rc.conn.Write(wire[off : off+100])
		}
	})
}

// TestFrameAllowanceEachFrame: each frame of a message counts on its
// own. A message of two 64 KiB frames, each sent at 20 KiB/s (3.2 s,
// above 16 KiB/s), takes 6.4 s, longer than one frame's allowance (an
// interval and 4 s): the second frame's allowance runs from when it
// began arriving, not from when the first did, although both frames
// declare the same length, so the server sees no new length arrive.
func TestFrameAllowanceEachFrame(t *testing.T) {
	t.Parallel()
	ts, opened := frameAllowanceServer(t)
	const size = 64 << 10
	first, second := binaryOfSize(size), binaryOfSize(size)
	second[0] ^= 0xFF
	wire := append(frame{op: opBinary, payload: first}.encode(), frame{fin: true, op: opCont, payload: second}.encode()...)
	notLate(t, testPingInterval, func() (time.Duration, error) {
		rc, _ := ts.dialRaw(t, nil)
		defer rc.conn.Close()
		since := openedAt(t, opened)
		late, err := rc.writePaced(since, wire, 2<<10, 100*time.Millisecond) // 20 KiB/s
		if err != nil {
			return late, err
		}
		got, err := rc.readEcho(false)
		if err != nil {
			return late, fmt.Errorf("the echo: %w", err)
		}
		if want := append(first, second...); !bytes.Equal(got, want) {
			t.Fatalf("echo of %d bytes differs from the %d sent", len(got), len(want))
		}
		return late, nil
	})
}
