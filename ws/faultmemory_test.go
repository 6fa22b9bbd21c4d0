package ws

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/testmain"
)

// faultMemoryServer serves /ws with faults whose echoes hold at most
// limit bytes (fault.Budget), and sends each connection's close code on
// the returned channel once it has ended.
func faultMemoryServer(t *testing.T, serve startFunc, limit int64) (*testServer, *fault.Budget, <-chan int) {
	t.Helper()
	budget := fault.NewBudget(limit)
	in, err := fault.New(fault.Options{Memory: budget})
	if err != nil {
		t.Fatal(err)
	}
	// Room for every connection a test opens: one that fails before it
	// has counted them all leaves none blocked in the hook, and the
	// server's shutdown waiting for it.
	closed := make(chan int, 128)
	s := &Server{Faults: in, Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}
	return serve(t, s, nil), budget, closed
}

// dialFault connects a gorilla client asking for spec.
func dialFault(t *testing.T, ts *testServer, spec string) *websocket.Conn {
	t.Helper()
	c, _, err := ts.dialer().Dial(ts.url+"?fault="+spec, nil)
	if err != nil {
		t.Fatalf("dial with fault %s: %v", spec, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// awaitClosed waits for n connections of the server to end and returns
// their close codes.
func awaitClosed(t *testing.T, closed <-chan int, n int) []int {
	t.Helper()
	var codes []int
	for range n {
		select {
		case code := <-closed:
			codes = append(codes, code)
		case <-time.After(2 * ioWait):
			t.Fatalf("%d of %d connections ended within %v", len(codes), n, 2*ioWait)
		}
	}
	return codes
}

// wantNoneHeld checks that the fault echoes hold nothing of the budget.
func wantNoneHeld(t *testing.T, budget *fault.Budget, when string) {
	t.Helper()
	if n := budget.InUse(); n != 0 {
		t.Errorf("%s: the fault echoes hold %d bytes of their budget, want 0", when, n)
	}
}

// TestFaultEchoHoldsNoMessageBetweenMessages: a connection with faults
// that has echoed a message of 1 MiB and waits for the next holds no
// buffer for it. The echo used to read each message into a bytes.Buffer
// kept for the connection's life: 2 MiB (bytes.Buffer's growth) held by
// every idle connection that had once echoed 1 MiB. Run alone in a
// process of its own: the heap it measures is the process's.
func TestFaultEchoHoldsNoMessageBetweenMessages(t *testing.T) {
	if !testmain.Alone(t) {
		return
	}
	eachTransportInTurn(t, func(t *testing.T, serve startFunc) {
		ts, budget, closed := faultMemoryServer(t, serve, fault.DefaultMemory)
		const n = 8
		conns := make([]*websocket.Conn, n)
		for i := range conns {
			// A verb that never acts: the echo is the fault echo all
			// the same, as for any spec.
			conns[i] = dialFault(t, ts, "close:4000@100000")
		}
		msg := binaryOfSize(1 << 20)
		before := heapInUse()
		for _, c := range conns {
			if _, got := echo(t, c, websocket.BinaryMessage, msg); !bytes.Equal(got, msg) {
				t.Fatalf("echo of %d bytes differs from the %d sent", len(got), len(msg))
			}
			// The echo of an empty message comes once the one before is
			// written and its buffer given back; it takes none itself.
			if _, got := echo(t, c, websocket.BinaryMessage, nil); len(got) != 0 {
				t.Fatalf("echo of an empty message has %d bytes", len(got))
			}
		}
		wantNoneHeld(t, budget, "every connection waiting for its next message")
		held := (int64(heapInUse()) - int64(before)) / n
		t.Logf("%d KiB held per connection waiting after a message of 1 MiB", held>>10)
		if held > maxHeldPerMessage {
			t.Errorf("%d KiB held per connection waiting after a message of 1 MiB, want at most %d KiB", held>>10, maxHeldPerMessage>>10)
		}
		for _, c := range conns {
			c.Close()
		}
		awaitClosed(t, closed, n)
		wantNoneHeld(t, budget, "every connection ended")
	})
}

// TestFaultMemorySpentCloses1013: when the fault echoes of the server
// hold all their budget, a connection whose message needs more is closed
// with 1013 (Try Again Later) at once, not left waiting, and the others
// go on: the one holding the budget and one whose message fits. Once all
// have ended the budget is whole again.
func TestFaultMemorySpentCloses1013(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts, budget, closed := faultMemoryServer(t, serve, 256<<10)

		// holder's echo of 100 KiB goes out at 1 KiB/s, in frames of
		// 1 KiB: while its first frame is read the echo holds delay's
		// copy of the message, exactly its size, and will for minutes.
		// (Without delay the echo streams and holds a piece.)
		holder := dialFault(t, ts, "delay:1ms,bw:1KiB,frag:1024")
		holder.SetWriteDeadline(timeIn(ioWait))
		if err := holder.WriteMessage(websocket.BinaryMessage, binaryOfSize(100<<10)); err != nil {
			t.Fatal(err)
		}
		holder.SetReadDeadline(timeIn(ioWait))
		_, held, err := holder.NextReader()
		if err != nil {
			t.Fatalf("holder: the echo's first frame: %v", err)
		}
		if _, err := held.Read(make([]byte, 1)); err != nil {
			t.Fatalf("holder: the echo's first byte: %v", err)
		}
		if n := budget.InUse(); n != 100<<10 {
			t.Fatalf("holder's echo under way holds %d bytes of the budget, want 100 KiB", n)
		}

		// Read whole for delay, 200 KiB need a buffer of 256 KiB, more
		// than is left.
		asker := dialFault(t, ts, "delay:1ms")
		asker.SetWriteDeadline(timeIn(ioWait))
		if err := asker.WriteMessage(websocket.BinaryMessage, binaryOfSize(200<<10)); err != nil {
			t.Fatal(err)
		}
		asker.SetReadDeadline(timeIn(ioWait))
		_, _, err = asker.ReadMessage()
		ce := wantCloseError(t, err, websocket.CloseTryAgainLater)
		if ce.Text != "server memory for fault echoes in use" {
			t.Errorf("close 1013 says %q", ce.Text)
		}
		if code := awaitClosed(t, closed, 1)[0]; code != websocket.CloseTryAgainLater {
			t.Errorf("the refused connection ended with code %d, want 1013", code)
		}

		small := dialFault(t, ts, "close:4000@100000")
		msg := binaryOfSize(1 << 10)
		if _, got := echo(t, small, websocket.BinaryMessage, msg); !bytes.Equal(got, msg) {
			t.Errorf("a message that fits: echo of %d bytes differs", len(got))
		}
		if _, err := held.Read(make([]byte, 1)); err != nil {
			t.Errorf("holder: its echo stopped after another connection's 1013: %v", err)
		}

		holder.Close()
		small.Close()
		awaitClosed(t, closed, 2)
		wantNoneHeld(t, budget, "every connection ended")
	})
}

// TestFaultDelayCountsHeldCopies: the copies a delay holds count against
// the budget until they are sent, and are given back when the connection
// ends with some still held.
func TestFaultDelayCountsHeldCopies(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		t.Run("sent", func(t *testing.T) {
			ts, budget, closed := faultMemoryServer(t, serve, 1<<20)
			c := dialFault(t, ts, "delay:50ms")
			msg := binaryOfSize(10 << 10)
			if _, got := echo(t, c, websocket.BinaryMessage, msg); !bytes.Equal(got, msg) {
				t.Fatalf("echo of %d bytes differs", len(got))
			}
			// Sent in order: the empty message's echo follows the
			// release of the one before.
			echo(t, c, websocket.BinaryMessage, nil)
			wantNoneHeld(t, budget, "every held echo sent")
			c.Close()
			awaitClosed(t, closed, 1)
			wantNoneHeld(t, budget, "the connection ended")
		})
		t.Run("held", func(t *testing.T) {
			// 20 KiB are read into 32 KiB (48 KiB at most, as the buffer
			// grows), then held as an exact copy of 20 KiB for a minute.
			// The next 20 KiB would fit in 64 KiB but for that copy.
			ts, budget, closed := faultMemoryServer(t, serve, 64<<10)
			c := dialFault(t, ts, "delay:1m")
			msg := binaryOfSize(20 << 10)
			c.SetWriteDeadline(timeIn(ioWait))
			for range 2 {
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					t.Fatal(err)
				}
			}
			c.SetReadDeadline(timeIn(ioWait))
			_, _, err := c.ReadMessage()
			wantCloseError(t, err, websocket.CloseTryAgainLater)
			// The connection ended with an echo held: its copy is
			// given back.
			awaitClosed(t, closed, 1)
			wantNoneHeld(t, budget, "the connection ended with an echo held")
		})
	})
}
