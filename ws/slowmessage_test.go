package ws

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/testmain"
)

// heapInUse is the heap in use once garbage and the pools' contents are
// collected (a pool keeps its objects through one collection).
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// echoesAwaitInput waits until n compressed echoes are each blocked
// reading the rest of their message, none inflating, compressing or
// writing a piece: the client has read only the first frame of each, and
// an echo still at work on the first part holds a compressor (1.2 MiB,
// 60 KiB a connection here) or a piece's buffers, which would count as
// held. A loaded machine once saw 291 KiB a connection so.
func echoesAwaitInput(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for {
		waiting := 0
		for _, g := range strings.Split(stacks(), "\n\n") {
			head, _, _ := strings.Cut(g, "\n")
			if strings.Contains(g, "ws.(*deflater).echo(") && strings.Contains(head, "[IO wait") {
				waiting++
			}
		}
		if waiting == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d of %d echoes wait for the rest of their message", ioWait, waiting, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// maxHeldPerMessage bounds the heap a connection holds while a client
// takes its time over the rest of a message: the inflater, buffers, TLS
// records; about 40 KiB plain and 120 KiB compressed here. A compressor
// (1.2 MiB) held for the message would be far over it.
const maxHeldPerMessage = 256 << 10

// TestSlowMessagesHoldLittle: connections that each start a message of
// the maximum size (256 KiB here) and send the rest slowly hold little memory each, with
// permessage-deflate as without; and when the messages are finished they
// are echoed whole. Run alone in a process of its own: the heap it
// measures is the process's.
func TestSlowMessagesHoldLittle(t *testing.T) {
	if !testmain.Alone(t) {
		return
	}
	eachTransportInTurn(t, func(t *testing.T, serve startFunc) {
		for _, compressed := range []bool{false, true} {
			name := "plain"
			if compressed {
				name = "compressed"
			}
			t.Run(name, func(t *testing.T) {
				const limit = 256 << 10
				ts := serve(t, &Server{Compression: compressed, MaxMessageBytes: limit}, nil)
				const n = 20
				var hdr http.Header
				if compressed {
					hdr = http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}
				}
				// The first 64 KiB of the message, enough for the echo to
				// send a frame; the rest follows once the heap is measured.
				msg := binaryOfSize(limit)
				var wire bytes.Buffer
				fw, _ := flate.NewWriter(&wire, flate.BestSpeed)
				part := func(p []byte) []byte {
					if !compressed {
						return p
					}
					wire.Reset()
					fw.Write(p)
					fw.Flush()
					return bytes.Clone(wire.Bytes())
				}
				first := frame{op: opBinary, payload: part(msg[:64<<10])}
				if compressed {
					first.rsv = rsv1
				}
				rest := part(msg[64<<10:])
				if compressed {
					rest = bytes.TrimSuffix(rest, []byte(deflateTail))
				}
				conns := make([]*rawConn, n)
				for i := range conns {
					conns[i], _ = ts.dialRaw(t, hdr)
				}
				before := heapInUse()
				echoed := make([][]byte, n)
				for i, rc := range conns {
					rc.write(first)
					f := rc.mustFrame()
					if f.op != opBinary || (f.rsv == rsv1) != compressed || f.fin {
						t.Fatalf("first echoed frame %v, want the start of a binary message, compressed %v", f, compressed)
					}
					echoed[i] = f.payload
				}
				if compressed {
					echoesAwaitInput(t, n)
				}
				held := (int64(heapInUse()) - int64(before)) / n
				t.Logf("%d KiB held per connection in the middle of a message", held>>10)
				if held > maxHeldPerMessage {
					t.Errorf("%d KiB held per connection in the middle of a message, want at most %d KiB", held>>10, maxHeldPerMessage>>10)
				}
				for i, rc := range conns {
					rc.write(frame{fin: true, op: opCont, payload: rest})
					for {
						f := rc.mustFrame()
						if f.op != opCont {
							t.Fatalf("got %v inside the echo", f)
						}
						echoed[i] = append(echoed[i], f.payload...)
						if f.fin {
							break
						}
					}
					got := echoed[i]
					if compressed {
						got = inflate(t, got)
					}
					if !bytes.Equal(got, msg) {
						t.Fatalf("echo of %d bytes differs from the %d sent", len(got), len(msg))
					}
				}
			})
		}
	})
}

// TestSlowFaultedEchoesHoldLittle: compressed echoes that go out slowly,
// under bw:1KiB, hold little memory each while they are written: the
// fault echo's message and a piece of it compressed, not a compressor.
// That the echoes are sound, TestCompressedEchoFaults shows.
// Run alone in a process of its own: the heap it measures is the
// process's.
func TestSlowFaultedEchoesHoldLittle(t *testing.T) {
	if !testmain.Alone(t) {
		return
	}
	eachTransportInTurn(t, func(t *testing.T, serve startFunc) {
		in, err := fault.New(fault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		s := &Server{Compression: true, Faults: in}
		ts := serve(t, s, nil)
		ts.query = "?fault=bw:1KiB"
		const n = 10
		// 16 KiB that do not compress: its echo takes 16 s at 1 KiB/s.
		msg := binaryOfSize(16 << 10)
		wire := frame{fin: true, rsv: rsv1, op: opBinary, payload: deflate(t, msg)}
		conns := make([]*rawConn, n)
		for i := range conns {
			conns[i], _ = ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
		}
		before := heapInUse()
		for _, rc := range conns {
			rc.write(wire)
		}
		waitAllWriting(t, s, n, "the echoes never started")
		held := (int64(heapInUse()) - int64(before)) / n
		t.Logf("%d KiB held per connection while a paced compressed echo is written", held>>10)
		if held > maxHeldPerMessage {
			t.Errorf("%d KiB held per connection while a paced compressed echo is written, want at most %d KiB", held>>10, maxHeldPerMessage>>10)
		}
	})
}

// maxHeldStuck bounds the heap a connection holds while its echo waits
// for a client that does not read. The measure varies by about 100 KiB
// from run to run under -race (what crypto/tls has read ahead, where the
// write stopped), so the bound is looser than maxHeldPerMessage; a
// compressor held for the write (1.2 MiB) would still be far over it.
const maxHeldStuck = 512 << 10

// TestStuckEchoesHoldLittle: connections whose clients stop reading in
// the middle of an echo, compressed or not, hold what the README says
// while the echo waits (about 25 KiB plain, 150 KiB compressed: the
// inflater, the copy buffer and the compressed piece waiting to go out)
// and are dropped once IdleTimeout passes with none of it taken. Run
// alone in a process of its own: the heap it measures is the process's.
func TestStuckEchoesHoldLittle(t *testing.T) {
	if !testmain.Alone(t) {
		return
	}
	for _, compressed := range []bool{false, true} {
		name := "plain"
		if compressed {
			name = "compressed"
		}
		t.Run(name, func(t *testing.T) {
			// The connections idle from the first one's opening until
			// every client has sent its message: ten handshakes and two
			// collections, which a loaded two-core machine under -race
			// once stretched past IdleTimeout, and the server rightly
			// closed the first as idle. Such a run is tried again.
			const idle = 2 * time.Second
			notLate(t, idle, func() (time.Duration, error) { return stuckEchoes(t, compressed, idle) })
		})
	}
}

// stuckEchoes is one run of TestStuckEchoesHoldLittle. It returns how
// long the connections went from the first one's opening until every
// client had sent its message, and an error when a client could not send
// it or the echoes never all blocked, which a client that late may
// rightly see; any other failure ends the test.
func stuckEchoes(t *testing.T, compressed bool, idle time.Duration) (late time.Duration, err error) {
	const n = 10
	opened := make(chan time.Time, n)
	closed := make(chan struct{}, n)
	s := &Server{Compression: compressed, IdleTimeout: idle, PingInterval: time.Minute,
		Hooks: &Hooks{
			// Small socket buffers on both sides, so the echo
			// blocks after a few KiB.
			Opened: func(c *Conn) {
				c.nc.lc.NetConn().(*net.TCPConn).SetWriteBuffer(8 << 10)
				opened <- time.Now()
			},
			Closed: func(*Conn) { closed <- struct{}{} },
		}}
	ts := startServer(t, s)
	msg := binaryOfSize(256 << 10)
	// The first frame of a message whose rest never comes.
	first := frame{op: opBinary, payload: msg}
	var hdr http.Header
	if compressed {
		first = frame{op: opBinary, rsv: rsv1, payload: deflate(t, msg)}
		hdr = http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}
	}
	conns := make([]*rawConn, n)
	for i := range conns {
		conns[i], _ = ts.dialRawVia(t, hdr, func(c net.Conn) net.Conn {
			c.(*net.TCPConn).SetReadBuffer(4 << 10)
			return c
		})
		// A failed run leaves no echo blocked to weigh in the next.
		defer conns[i].conn.Close()
	}
	since := openedAt(t, opened)
	before := heapInUse()
	wire := first.encode()
	for i, rc := range conns {
		rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
		if _, err := rc.conn.Write(wire); err != nil {
			return time.Since(since), fmt.Errorf("client %d: %w", i, err)
		}
	}
	late = time.Since(since)
	deadline := time.Now().Add(4 * ioWait)
	for !s.allWriting(n) {
		select {
		case <-closed:
			return late, errors.New("a connection ended before its echo blocked")
		default:
		}
		if time.Now().After(deadline) {
			return late, errors.New("the echoes never blocked")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stuck := time.Now()
	held := (int64(heapInUse()) - int64(before)) / n
	t.Logf("%d KiB held per connection while its echo waits for a client that does not read", held>>10)
	if held > maxHeldStuck {
		t.Errorf("%d KiB held per connection while its echo waits, want at most %d KiB", held>>10, maxHeldStuck>>10)
	}
	for range n {
		select {
		case <-closed:
		case <-time.After(2*idle + ioWait):
			t.Fatalf("a connection whose client takes none of its echo still open %v after all were stuck (IdleTimeout %v)",
				time.Since(stuck).Round(time.Millisecond), idle)
		}
	}
	return late, nil
}
