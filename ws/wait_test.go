package ws

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
)

// stacks returns every goroutine's stack.
func stacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

// waitsOnSocket waits until c's next message is waited for on the socket
// (a goroutine blocked in Conn.waitHere, its receiver shown in the stack), or with no goroutine
// in the listener's parked set, and no goroutine waits for it inside
// gorilla's NextReader; it returns the stack of the goroutine that waits,
// or "" for a parked connection.
func waitsOnSocket(t *testing.T, c *Conn) string {
	t.Helper()
	onSocket := fmt.Sprintf("ws.(*Conn).waitHere(%p", c)
	inGorilla := fmt.Sprintf("websocket.(*Conn).NextReader(%p", c.ws)
	deadline := time.Now().Add(ioWait)
	for {
		parked := c.nc.lc.Parked()
		s := stacks()
		if !strings.Contains(s, inGorilla) {
			if parked && c.nc.lc.Parked() {
				return ""
			}
			for _, g := range strings.Split(s, "\n\n") {
				// Blocked in the poller: a goroutine running through
				// waitHere (answering a ping it took, say) is on its way
				// to a wait or a park, and is looked at again.
				if strings.Contains(g, onSocket) && strings.Contains(g, "[IO wait") {
					return g
				}
			}
		}
		if time.Now().After(deadline) {
			var ours []string
			for _, g := range strings.Split(s, "\n\n") {
				if strings.Contains(g, "tlsecho/ws.") {
					ours = append(ours, g)
				}
			}
			t.Fatalf("after %v the connection does not wait on the socket: on the socket %v, parked %v, inside gorilla %v (looked for %s); the package's goroutines:\n%s",
				ioWait, strings.Contains(s, onSocket), parked, strings.Contains(s, inGorilla), onSocket, strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holdLooks makes the keepalive looks of s's connections wait until
// release is called (once or more); a look that waited then finds all
// that happened meanwhile new. Call it before s serves.
func holdLooks(s *Server) (release func()) {
	held := make(chan struct{})
	s.beforeLook = func() { <-held }
	var once sync.Once
	return func() { once.Do(func() { close(held) }) }
}

// waitEnded waits until c's wait in place, which the keepalive's nudge
// could end, has ended.
func waitEnded(t *testing.T, c *Conn) {
	t.Helper()
	deadline := time.Now().Add(ioWait)
	for c.parked.Load() == parkedWaiting {
		if time.Now().After(deadline) {
			t.Fatalf("after %v the connection still waits in place", ioWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// parks waits until c waits for its next message with no goroutine, in
// the listener's parked set, where connections park (listener.Parking).
func parks(t *testing.T, c *Conn) {
	t.Helper()
	if g := waitsOnSocket(t, c); g != "" && listener.Parking {
		t.Fatalf("the connection waits on a goroutine, not parked:\n%s", g)
	}
}

// opened returns a Server whose Opened hook hands out each connection.
func opened(s *Server) (*Server, chan *Conn) {
	conns := make(chan *Conn, 4)
	s.Hooks = &Hooks{Opened: func(c *Conn) { conns <- c }}
	return s, conns
}

// TestIdleWaitsOnTheSocket: between messages the echo waits on the socket,
// not inside gorilla, and the next message is echoed from there.
func TestIdleWaitsOnTheSocket(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	ts := startServer(t, s)
	ws, _ := ts.dial(t, nil, nil)
	c := <-conns
	for i := range 3 {
		parks(t, c)
		msg := []byte(fmt.Sprintf("message %d", i))
		if _, got := echo(t, ws, websocket.TextMessage, msg); !bytes.Equal(got, msg) {
			t.Fatalf("echo %q, want %q", got, msg)
		}
	}
}

// TestIdleWaitWithCompressionOff: on a server that offers
// permessage-deflate, a client that did not negotiate it waits on the
// socket, parked where connections park, as on a server without
// compression. Before, every connection of such a server waited inside
// gorilla's reader, on a goroutine with a deep stack.
func TestIdleWaitWithCompressionOff(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{Compression: true})
	ts := startServer(t, s)
	ws, _ := ts.dial(t, nil, nil) // offers no compression
	c := <-conns
	if c.deflate {
		t.Fatal("compression negotiated with a client that did not offer it")
	}
	for i := range 3 {
		msg := []byte(fmt.Sprintf("message %d", i))
		if _, got := echo(t, ws, websocket.TextMessage, msg); !bytes.Equal(got, msg) {
			t.Fatalf("echo %q, want %q", got, msg)
		}
		parks(t, c)
	}
}

// TestIdleWaitAfterLongMessage: a message longer than gorilla's read
// buffer, whose last read gorilla asks for exactly the rest of the frame,
// which is the rest of the record too, leaves the connection waiting on
// the socket like a short one. Before, that read counted nothing, and the
// connection waited inside gorilla, on a deep stack, after every message
// over 122 bytes: 22 KiB per idle connection after a 1 KiB echo, not 16.
func TestIdleWaitAfterLongMessage(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	ts := startServer(t, s)
	ws, _ := ts.dial(t, nil, nil)
	c := <-conns
	for _, size := range []int{1 << 10, 4 << 10, 16 << 10} {
		msg := bytes.Repeat([]byte{'x'}, size)
		if _, got := echo(t, ws, websocket.BinaryMessage, msg); !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: %d bytes came back, or different ones", size, len(got))
		}
		parks(t, c)
	}
}

// TestIdleWaitAnswersKeepalive: a client idle through several keepalive
// pings answers each, with a ping of its own in the same record; the
// frames are taken on the socket's side (the server's pong carries the
// client's payload), so the connection stays there. A message that comes
// in one record with a pong is handed to gorilla whole and echoed.
func TestIdleWaitAnswersKeepalive(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	s, conns := opened(&Server{PingInterval: answerPingInterval,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ts := startServer(t, s)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	rc, _ := ts.dialRaw(t, nil)
	rc.write(frame{fin: true, op: opText, payload: []byte("first")})
	if op, _, got := rc.readMessage(); op != opText || string(got) != "first" {
		t.Fatalf("got op %#x %q, want the echo of \"first\"", op, got)
	}
	c := <-conns

	// The client answers every ping at once, also while the test looks at
	// the server's goroutines, and sends what else comes to frames.
	var withMessage atomic.Bool
	var sent atomic.Uint32
	frames := make(chan frame, 64)
	var ended error // why the client stopped, once frames is closed
	go func() {
		defer close(frames)
		for {
			f, err := rc.readFrame()
			if err != nil {
				ended = err
				return
			}
			if f.op == opPing {
				out := []frame{{fin: true, op: opPong, payload: f.payload}}
				if withMessage.Load() {
					out = append(out, frame{fin: true, op: opBinary, payload: []byte("after the pong")})
				} else {
					out = append(out, frame{fin: true, op: opPing, payload: []byte{byte(sent.Add(1)), 0xff}})
				}
				var buf []byte
				for _, o := range out {
					buf = append(buf, o.encode()...)
				}
				// A deadline of its own: the one the first message's
				// write left has passed by now on a loaded machine.
				rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
				if _, err := rc.conn.Write(buf); err != nil {
					ended = err
					return
				}
				continue
			}
			frames <- f
		}
	}()
	next := func() frame {
		select {
		case f, ok := <-frames:
			if !ok {
				t.Fatalf("the connection ended: %v", ended)
			}
			return f
		case <-time.After(ioWait):
			t.Fatalf("nothing from the server for %v", ioWait)
		}
		return frame{}
	}
	for i := 1; i <= 3; i++ {
		if f := next(); f.op != opPong || !bytes.Equal(f.payload, []byte{byte(i), 0xff}) {
			t.Fatalf("frame %d while idle: %v %x, want the pong to the client's ping %d", i, f, f.payload, i)
		}
		parks(t, c)
	}
	withMessage.Store(true)
	for {
		f := next()
		if f.op == opPong {
			continue // to a ping sent before the switch
		}
		if f.op != opBinary || string(f.payload) != "after the pong" {
			t.Fatalf("got %v %q, want the echo of \"after the pong\"", f, f.payload)
		}
		break
	}
}

// TestIdleWaitBadControlFrame: a control frame the wait does not take
// (here an unmasked pong) reaches gorilla, which answers 1002 as ever.
func TestIdleWaitBadControlFrame(t *testing.T) {
	t.Parallel()
	// The unmasked pong must come within an interval of the ping, or
	// the client is dropped as dead (1008) first.
	ts := startServer(t, &Server{PingInterval: answerPingInterval})
	rc, _ := ts.dialRaw(t, nil)
	if f := rc.mustFrame(); f.op != opPing {
		t.Fatalf("got %v, want a ping", f)
	}
	rc.write(frame{fin: true, op: opPong, unmasked: true})
	rc.expectClose(websocket.CloseProtocolError)
}

func TestControlFrames(t *testing.T) {
	enc := func(frames ...frame) []byte {
		var b []byte
		for _, f := range frames {
			b = append(b, f.encode()...)
		}
		return b
	}
	pong := frame{fin: true, op: opPong, payload: []byte("p")}
	ping := frame{fin: true, op: opPing, payload: []byte("ping!")}
	text := frame{fin: true, op: opText, payload: []byte("t")}
	tests := []struct {
		name  string
		in    []byte
		took  int
		pings []string
	}{
		{"empty", nil, 0, nil},
		{"pong", enc(pong), len(enc(pong)), nil},
		{"ping", enc(ping), len(enc(ping)), []string{"ping!"}},
		{"pong ping pong", enc(pong, ping, pong), len(enc(pong, ping, pong)), []string{"ping!"}},
		{"pong then text", enc(pong, text), len(enc(pong)), nil},
		{"text then pong", enc(text, pong), 0, nil},
		{"incomplete ping", enc(ping)[:5], 0, nil},
		{"unmasked pong", enc(frame{fin: true, op: opPong, unmasked: true}), 0, nil},
		{"ping with RSV1", enc(frame{fin: true, rsv: rsv1, op: opPing}), 0, nil},
		{"fragmented ping", enc(frame{op: opPing}), 0, nil},
		{"ping of 126 bytes", enc(frame{fin: true, op: opPing, payload: make([]byte, 126)}), 0, nil},
		{"ping of 125 bytes", enc(frame{fin: true, op: opPing, payload: bytes.Repeat([]byte{'x'}, 125)}), 2 + 4 + 125, []string{strings.Repeat("x", 125)}},
		{"close", enc(frame{fin: true, op: opClose}), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pings []string
			took := controlFrames(tt.in, func(p []byte) { pings = append(pings, string(p)) })
			if took != tt.took || fmt.Sprint(pings) != fmt.Sprint(tt.pings) {
				t.Errorf("took %d with pings %q, want %d with %q", took, pings, tt.took, tt.pings)
			}
		})
	}
}

// FuzzControlFrames: on any input, controlFrames takes a prefix made of
// whole frames, each a masked, final ping or pong of at most 125 bytes,
// and reports each ping once.
func FuzzControlFrames(f *testing.F) {
	f.Add(frame{fin: true, op: opPong, payload: []byte("p")}.encode())
	f.Add(append(frame{fin: true, op: opPing, payload: []byte("x")}.encode(), frame{fin: true, op: opText, payload: []byte("t")}.encode()...))
	f.Add([]byte{0x89, 0xFE, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		pings := 0
		took := controlFrames(b, func(p []byte) {
			if len(p) > 125 {
				t.Fatalf("ping payload of %d bytes", len(p))
			}
			pings++
		})
		if took < 0 || took > len(b) {
			t.Fatalf("took %d of %d bytes", took, len(b))
		}
		seen := 0
		for i := 0; i < took; {
			if b[i]&0xF0 != 0x80 || b[i+1]&0x80 == 0 {
				t.Fatalf("took a frame with header %#x %#x", b[i], b[i+1])
			}
			if b[i]&0x0F == opPing {
				seen++
			}
			i += 6 + int(b[i+1]&0x7F)
			if i > took {
				t.Fatalf("the frames taken end at %d, past %d", i, took)
			}
		}
		if seen != pings {
			t.Fatalf("%d pings taken, %d reported", seen, pings)
		}
	})
}

// deep calls f with about n KiB of stack in use below it: more than any
// goroutine starts with, and enough that a garbage collection does not
// shrink the stack while f runs.
//
//go:noinline
func deep(n int, f func() error) error {
	var b [1024]byte
	b[n%len(b)] = byte(n)
	if n <= 1 {
		return f()
	}
	err := deep(n-1, f)
	if b[n%len(b)] != byte(n) {
		panic("the stack changed under deep")
	}
	return err
}

// TestStackAt: a local's address stays put until the stack grows, which
// moves it.
func TestStackAt(t *testing.T) {
	t.Parallel()
	got := make(chan [3]uintptr)
	go func() {
		var mark byte
		before := stackAt(&mark)
		again := stackAt(&mark)
		deep(64, func() error { return nil })
		got <- [3]uintptr{before, again, stackAt(&mark)}
	}()
	at := <-got
	if at[0] != at[1] {
		t.Errorf("the stack moved without growing: %#x then %#x", at[0], at[1])
	}
	if at[2] == at[0] {
		t.Errorf("the stack grew by 64 KiB and stayed at %#x", at[0])
	}
}

// TestIdleWaitInPlace: an echo whose stack has not moved since it started
// waits for the next message itself, on the same goroutine every time,
// rather than on a fresh one. The handler runs the echo deep in a stack it
// grew first, so that no message grows it further and no garbage
// collection shrinks it, and as if its goroutine had started with room
// for the echo, as under load: makeRoom grew nothing (where goroutines
// start with 2 KiB it grows every fresh one, and such a goroutine hands
// its next wait on).
func TestIdleWaitInPlace(t *testing.T) {
	t.Parallel()
	if listener.Parking {
		t.Skip("where connections park, a quiet one waits with no goroutine (TestIdleWaitsOnTheSocket)")
	}
	echo := Echo()
	s, conns := opened(&Server{Handler: HandlerFunc(func(c *Conn) error {
		c.grown = false
		return deep(32, func() error { return echo.ServeWS(c) })
	})})
	ts := startServer(t, s)
	rc, _ := ts.dialRaw(t, nil)
	c := <-conns
	var first string
	for i := range 5 {
		msg := []byte(fmt.Sprintf("message %d", i))
		rc.write(frame{fin: true, op: opBinary, payload: msg})
		if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, msg) {
			t.Fatalf("got op %#x %q, want the echo of %q", op, got, msg)
		}
		g := waitsOnSocket(t, c)
		id, _, _ := strings.Cut(g, " [")
		if i == 0 {
			first = id
		}
		if !strings.Contains(g, "ServeWS") || id != first {
			t.Fatalf("after message %d the wait is not the echo's own (%s, after the first message %s):\n%s", i, id, first, g)
		}
	}
}

// TestMakeRoom: on a goroutine that starts with the smallest stack,
// makeRoom grows it, and what uses less than the room it made then runs
// without moving it again. A goroutine that starts with a larger stack
// has the room already, which makeRoom cannot show.
func TestMakeRoom(t *testing.T) {
	t.Parallel()
	size := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(size)
	if size[0].Value.Kind() != metrics.KindUint64 || size[0].Value.Uint64() > 2<<10 {
		t.Skipf("goroutines start with %v of stack, room enough already", size[0].Value)
	}
	got := make(chan [3]uintptr)
	go func() {
		var mark byte
		before := stackAt(&mark)
		makeRoom()
		grown := stackAt(&mark)
		deep(1, func() error { return nil })
		got <- [3]uintptr{before, grown, stackAt(&mark)}
	}()
	at := <-got
	if at[1] == at[0] {
		t.Errorf("makeRoom left a 2 KiB stack where it was, at %#x", at[0])
	}
	if at[2] != at[1] {
		t.Errorf("1 KiB more moved the stack again after makeRoom: %#x, then %#x", at[1], at[2])
	}
}
