package ws

import (
	"bytes"
	"encoding/binary"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// streamBuffer is what a streamed fault echo without frag holds: one
// pooled buffer of 16 KiB, a piece and its frame's header. Growing to it
// from 8 KiB holds both for a moment.
const streamBuffer = 16 << 10

// TestFaultEchoStreamsUnderBW: under bw a message's echo goes out as it
// is read, so the server holds a piece of it, not the message: it used
// to read the message whole and hold it (512 KiB here) for the minute
// its echo takes at 8 KiB/s.
func TestFaultEchoStreamsUnderBW(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts, budget, closed := faultMemoryServer(t, serve, fault.DefaultMemory)
		c := dialFault(t, ts, "bw:8KiB")
		msg := binaryOfSize(512 << 10)
		// The server takes the message in at the rate of its echo, so
		// the write outlasts the test; closing the client ends it.
		wrote := make(chan error, 1)
		go func() { wrote <- c.WriteMessage(websocket.BinaryMessage, msg) }()
		c.SetReadDeadline(timeIn(ioWait))
		_, r, err := c.NextReader()
		if err != nil {
			t.Fatalf("the echo's first frame: %v", err)
		}
		first := make([]byte, 1)
		if _, err := io.ReadFull(r, first); err != nil {
			t.Fatalf("the echo's first byte: %v", err)
		}
		if first[0] != msg[0] {
			t.Errorf("the echo starts with %#x, want %#x", first[0], msg[0])
		}
		if n := budget.InUse(); n > streamBuffer {
			t.Errorf("the echo under way holds %d KiB of the budget, want at most a piece's %d KiB", n>>10, streamBuffer>>10)
		}
		c.Close()
		<-wrote
		awaitClosed(t, closed, 1)
		wantNoneHeld(t, budget, "the connection ended")
	})
}

// TestFaultFragStreamsWholePieces: under frag:N a message of a whole
// number of pieces ends with a full frame carrying FIN, one byte more
// with a frame of that byte, no empty frame either way, and the echo
// holds one piece's buffer while it goes out, not the message.
func TestFaultFragStreamsWholePieces(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const n = 4096
		ts, budget, _ := faultMemoryServer(t, serve, fault.DefaultMemory)
		// bw keeps the echo going out while the first frame is read.
		ts.query = "?fault=bw:64KiB,frag:4096"
		rc, _ := ts.dialRaw(t, nil)
		for _, size := range []int{4 * n, 4*n + 1} {
			msg := binaryOfSize(size)
			rc.write(frame{fin: true, op: opBinary, payload: msg})
			var got []byte
			var sizes []int
			for f := (frame{}); !f.fin; {
				f = rc.mustFrame()
				if want := byte(opCont); len(sizes) == 0 {
					want = opBinary
					// The piece's buffer: N, its header and the byte
					// after it take 8 KiB.
					if held := budget.InUse(); held > 8<<10 {
						t.Errorf("%d bytes: the echo under way holds %d KiB of the budget, want at most 8 KiB", size, held>>10)
					}
					if f.op != want {
						t.Fatalf("%d bytes: first frame %v, want binary", size, f)
					}
				} else if f.op != want {
					t.Fatalf("%d bytes: frame %v inside the echo, want a continuation", size, f)
				}
				sizes = append(sizes, len(f.payload))
				got = append(got, f.payload...)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("%d bytes: echo of %d bytes differs", size, len(got))
			}
			want := []int{n, n, n, n}
			if size > 4*n {
				want = append(want, 1)
			}
			if !slices.Equal(sizes, want) {
				t.Errorf("%d bytes: frames of %v bytes, want %v", size, sizes, want)
			}
		}
		rc.write(frame{fin: true, op: opClose, payload: closePayload(1000, "")})
		rc.expectClose(1000)
	})
}

// TestFaultCloseBetweenFrames: a timed close that fires while a long
// message's echo goes out acts after the frame in progress, not after
// the whole message, and no data frame follows the close frame (RFC 6455
// section 5.4 lets a control frame come amid a fragmented message). The
// close fires 1.5 s after the connection opened, well inside an echo
// that lasts 10 s or more at the rate; the message used to go out whole
// before it.
func TestFaultCloseBetweenFrames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, spec string
		size       int
	}{
		// Frames of a piece: the first takes 4 s at 4 KiB/s.
		{"pieces", "bw:4KiB,close:4000@1500ms", 40 << 10},
		{"frag", "bw:8KiB,frag:2048,close:4000@1500ms", 128 << 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eachTransport(t, func(t *testing.T, serve startFunc) {
				ts, budget, closed := faultMemoryServer(t, serve, fault.DefaultMemory)
				ts.query = "?fault=" + tt.spec
				rc, _ := ts.dialRaw(t, nil)
				// A frame of a piece at the rate, and the whole message
				// the server used to send before its close.
				rc.wait = 4 * ioWait
				rc.write(frame{fin: true, op: opBinary, payload: binaryOfSize(tt.size)})
				frames := 0
				for {
					f := rc.mustFrame()
					if f.op == opClose {
						if len(f.payload) < 2 || binary.BigEndian.Uint16(f.payload) != 4000 {
							t.Fatalf("closed with %q, want 4000", f.payload)
						}
						break
					}
					if f.op >= opClose {
						continue // a keepalive ping
					}
					want := byte(opBinary)
					if frames > 0 {
						want = opCont
					}
					if f.op != want {
						t.Fatalf("frame %d of the echo: %v", frames+1, f)
					}
					if f.fin {
						t.Fatalf("the message went out whole, in %d frames, before the close", frames+1)
					}
					frames++
				}
				if frames == 0 {
					t.Fatal("the close came before any of the echo: the connection took longer than 1.5 s to start its echo")
				}
				rc.conn.Write(frame{fin: true, op: opClose, payload: closePayload(4000, "")}.encode())
				// No data frame after the close.
				rc.expectEnd()
				if code := awaitClosed(t, closed, 1)[0]; code != 4000 {
					t.Errorf("the connection ended with code %d, want 4000", code)
				}
				wantNoneHeld(t, budget, "the connection ended")
			})
		})
	}
}

// TestFaultBWClientsLeaveBudget: many clients under bw, each in the
// middle of a long message's echo, hold a piece each, and a further
// connection with faults is still echoed. Their messages used to be held
// whole while their echoes went out (32 s each here), and the eighth
// took the last of the budget: every other connection with faults was
// closed with 1013.
func TestFaultBWClientsLeaveBudget(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const clients = 64
		// Room for the clients' pieces, each growing to its 16 KiB
		// buffer (and holding 8 KiB besides for a moment), and more.
		ts, budget, closed := faultMemoryServer(t, serve, 2<<20)
		msg := binaryOfSize(256 << 10)
		var writes sync.WaitGroup
		conns := make([]*websocket.Conn, clients)
		for i := range conns {
			c := dialFault(t, ts, "bw:8KiB")
			conns[i] = c
			// The server takes the message in at the rate of its echo;
			// closing the client ends the write.
			writes.Go(func() { c.WriteMessage(websocket.BinaryMessage, msg) })
		}
		for i, c := range conns {
			c.SetReadDeadline(timeIn(ioWait))
			_, r, err := c.NextReader()
			if err == nil {
				_, err = r.Read(make([]byte, 1))
			}
			if err != nil {
				t.Fatalf("client %d of %d: the echo's first byte: %v", i+1, clients, err)
			}
		}
		t.Logf("%d echoes under way hold %d KiB of the budget", clients, budget.InUse()>>10)

		other := dialFault(t, ts, "close:4000@100000")
		small := binaryOfSize(1 << 10)
		if _, got := echo(t, other, websocket.BinaryMessage, small); !bytes.Equal(got, small) {
			t.Errorf("a further connection: echo of %d bytes differs", len(got))
		}
		for _, c := range conns {
			c.Close()
		}
		other.Close()
		writes.Wait()
		awaitClosed(t, closed, clients+1)
		wantNoneHeld(t, budget, "every connection ended")
	})
}
