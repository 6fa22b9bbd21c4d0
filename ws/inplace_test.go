package ws

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/listener"
)

// TestEchoInPlace: a busy connection's whole one-frame messages are
// echoed in place (inplace.go), byte for byte and in order, and what
// cannot be is left to gorilla, which answers it as before: a ping
// between messages, a fragmented message, text that is not UTF-8.
func TestEchoInPlace(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	rc := busyConn(t, startServer(t, s))
	<-conns
	msg := func(op byte, p string) frame { return frame{fin: true, op: op, payload: []byte(p)} }
	expect := func(fs ...frame) {
		t.Helper()
		for _, f := range fs {
			if op, _, got := rc.readMessage(); op != f.op || !bytes.Equal(got, f.payload) {
				t.Fatalf("got op %#x %d bytes %.40q, want op %#x %d bytes %.40q", op, len(got), got, f.op, len(f.payload), f.payload)
			}
		}
	}
	inPlace := func(want int64, after string) {
		t.Helper()
		if got := s.inPlace.Load(); got != want {
			t.Fatalf("after %s: %d messages echoed in place, want %d", after, got, want)
		}
	}
	base := s.inPlace.Load()

	batch := []frame{
		msg(opText, "héllo, wörld"),
		msg(opBinary, ""),
		msg(opText, ""),
		msg(opBinary, strings.Repeat("a", 125)),
		msg(opBinary, strings.Repeat("b", 126)),
		msg(opText, strings.Repeat("ü", 2000)),
	}
	rc.write(batch...)
	expect(batch...)
	inPlace(base+int64(len(batch)), "six messages in one record")

	rc.write(msg(opBinary, "before"), frame{fin: true, op: opPing, payload: []byte("p")}, msg(opBinary, "after"))
	expect(msg(opBinary, "before"))
	if f := rc.mustFrame(); f.op != opPong || string(f.payload) != "p" {
		t.Fatalf("got %v %q, want the pong to ping %q", f, f.payload, "p")
	}
	expect(msg(opBinary, "after"))
	// gorilla took the ping and the message after it.
	inPlace(base+int64(len(batch))+1, "a message, a ping and a message")

	rc.write(msg(opBinary, "whole"), frame{op: opText, payload: []byte("in ")}, frame{fin: true, op: opCont, payload: []byte("two")})
	expect(msg(opBinary, "whole"), msg(opText, "in two"))
	inPlace(base+int64(len(batch))+2, "a message and a fragmented one")

	rc.write(msg(opText, "fine"), frame{fin: true, op: opText, payload: []byte{'o', 0xC3}})
	expect(msg(opText, "fine"))
	rc.expectClose(1007)
}

// TestEchoInPlaceLeavesToGorilla: a frame that cannot be answered in
// place, behind one that was, gets gorilla's answer: the close its
// fault calls for, after the echo of the message before it.
func TestEchoInPlaceLeavesToGorilla(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		f    frame
		code int
	}{
		{"a lone continuation", frame{fin: true, op: opCont, payload: []byte("continued")}, 1002},
		{"unmasked", frame{fin: true, op: opBinary, payload: []byte("not masked at all"), unmasked: true}, 1002},
		{"a reserved opcode", frame{fin: true, op: 3, payload: []byte("reserved op")}, 1002},
		{"RSV2", frame{fin: true, rsv: rsv2, op: opBinary, payload: []byte("rsv2 set")}, 1002},
		{"over the limit", frame{fin: true, op: opBinary, payload: bytes.Repeat([]byte("x"), 200)}, 1009},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, conns := opened(&Server{MaxMessageBytes: 150})
			ts := startServer(t, s)
			rc := busyConn(t, ts)
			<-conns
			base := s.inPlace.Load()
			ok := frame{fin: true, op: opBinary, payload: []byte("fine")}
			rc.write(ok, tc.f, ok)
			if op, _, got := rc.readMessage(); op != opBinary || string(got) != "fine" {
				t.Fatalf("got op %#x %q, want the echo of %q", op, got, "fine")
			}
			rc.expectClose(tc.code)
			if got := s.inPlace.Load() - base; got != 1 {
				t.Fatalf("%d messages echoed in place, want 1", got)
			}
		})
	}
}

// TestEchoInPlaceStats: messages echoed in place count in Server.Stats as
// gorilla's path counts them.
func TestEchoInPlaceStats(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	ts := startServer(t, s)
	rc := busyConn(t, ts)
	<-conns
	before, base := s.Stats(), s.inPlace.Load()
	batch := []frame{
		{fin: true, op: opText, payload: []byte("héllo")},
		{fin: true, op: opBinary, payload: bytes.Repeat([]byte{1}, 300)},
		{fin: true, op: opText},
	}
	rc.write(batch...)
	for range batch {
		rc.readMessage()
	}
	if got := s.inPlace.Load() - base; got != 3 {
		t.Fatalf("%d messages echoed in place, want 3", got)
	}
	after := s.Stats()
	if after.TextMessages-before.TextMessages != 2 || after.TextBytes-before.TextBytes != 6 ||
		after.BinaryMessages-before.BinaryMessages != 1 || after.BinaryBytes-before.BinaryBytes != 300 {
		t.Fatalf("stats went from %+v to %+v, want 2 text messages of 6 bytes and 1 binary of 300 more", before, after)
	}
}

// busyConn is a raw client whose connection the server counts busy
// (warmUp).
func busyConn(t *testing.T, ts *testServer) *rawConn {
	t.Helper()
	rc, _ := ts.dialRaw(t, nil)
	warmUp(t, rc)
	return rc
}

// warmUp makes rc's connection busy for the server: it echoes
// listener.BusyAfter+2 messages in quick succession, each checked.
func warmUp(t *testing.T, rc *rawConn) {
	t.Helper()
	for i := range listener.BusyAfter + 2 {
		m := frame{fin: true, op: opBinary, payload: fmt.Appendf(nil, "warm-up %d", i)}
		rc.write(m)
		if op, _, got := rc.readMessage(); op != opBinary || !bytes.Equal(got, m.payload) {
			t.Fatalf("warm-up echo: op %#x %q, want %q", op, got, m.payload)
		}
	}
}

// TestAnswerInPlace: the answers are the server's frames for the same
// messages, minimal headers and no mask, packed from the first one's
// start; answerInPlace stops at the first frame it must leave to gorilla
// and leaves that frame and everything after it as they came.
func TestAnswerInPlace(t *testing.T) {
	t.Parallel()
	bin := func(p string) frame { return frame{fin: true, op: opBinary, payload: []byte(p)} }
	long16 := func(op byte, p string) []byte {
		// A 16-bit length where 7 bits would do: gorilla takes it.
		b := []byte{0x80 | op, 0x80 | 126, 0, byte(len(p)), 1, 2, 3, 4}
		for i := range len(p) {
			b = append(b, p[i]^byte(i%4+1))
		}
		return b
	}
	cases := []struct {
		name  string
		wire  [][]byte
		limit int64
		want  [][]byte // the answers, in order
		taken int      // frames of wire taken
	}{
		{"one", [][]byte{bin("x").encode()}, 100, [][]byte{{0x82, 1, 'x'}}, 1},
		{"several", [][]byte{bin("ab").encode(), frame{fin: true, op: opText, payload: []byte("é")}.encode(), bin("").encode()}, 100,
			[][]byte{{0x82, 2, 'a', 'b'}, {0x81, 2, 0xC3, 0xA9}, {0x82, 0}}, 3},
		{"16-bit length", [][]byte{bin(strings.Repeat("z", 300)).encode()}, 1000,
			[][]byte{append([]byte{0x82, 126, 1, 44}, strings.Repeat("z", 300)...)}, 1},
		{"16-bit length, short payload", [][]byte{long16(opBinary, "hi"), bin("!").encode()}, 100,
			[][]byte{{0x82, 2, 'h', 'i'}, {0x82, 1, '!'}}, 2},
		{"then a ping", [][]byte{bin("a").encode(), frame{fin: true, op: opPing}.encode(), bin("b").encode()}, 100,
			[][]byte{{0x82, 1, 'a'}}, 1},
		{"a fragment first", [][]byte{frame{op: opBinary, payload: []byte("a")}.encode(), frame{fin: true, op: opCont}.encode()}, 100, nil, 0},
		{"RSV1", [][]byte{bin("a").encode(), frame{fin: true, rsv: rsv1, op: opBinary, payload: []byte("b")}.encode()}, 100,
			[][]byte{{0x82, 1, 'a'}}, 1},
		{"unmasked", [][]byte{frame{fin: true, op: opBinary, payload: []byte("not masked"), unmasked: true}.encode()}, 100, nil, 0},
		{"a lone continuation", [][]byte{frame{fin: true, op: opCont, payload: []byte("continued")}.encode()}, 100, nil, 0},
		{"a reserved opcode", [][]byte{frame{fin: true, op: 3, payload: []byte("op 3")}.encode()}, 100, nil, 0},
		{"over the limit", [][]byte{bin("abc").encode(), bin("abcd").encode()}, 3, [][]byte{{0x82, 3, 'a', 'b', 'c'}}, 1},
		{"64-bit length", [][]byte{{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 'a' ^ 1}}, 100, nil, 0},
		{"not UTF-8", [][]byte{frame{fin: true, op: opText, payload: []byte{'a', 0xFF}}.encode()}, 100, nil, 0},
		{"cut in the payload", [][]byte{bin("a").encode(), bin("bcd").encode()[:8]}, 100, [][]byte{{0x82, 1, 'a'}}, 1},
		{"cut in the header", [][]byte{bin("a").encode(), bin(strings.Repeat("b", 200)).encode()[:7]}, 100, [][]byte{{0x82, 1, 'a'}}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Join(tc.wire, nil)
			orig := bytes.Clone(b)
			a := answerInPlace(b, tc.limit)
			taken := len(bytes.Join(tc.wire[:tc.taken], nil))
			if a.taken != taken {
				t.Fatalf("took %d bytes, want %d", a.taken, taken)
			}
			if want := bytes.Join(tc.want, nil); !bytes.Equal(b[a.from:a.to], want) {
				t.Fatalf("answers % x, want % x", b[a.from:a.to], want)
			}
			if !bytes.Equal(b[a.taken:], orig[a.taken:]) {
				t.Fatalf("bytes after the answered frames changed:\n% x\nwas\n% x", b[a.taken:], orig[a.taken:])
			}
			if a.messages() != int64(len(tc.want)) {
				t.Fatalf("counted %d messages, want %d", a.messages(), len(tc.want))
			}
		})
	}
}

// FuzzAnswerInPlace checks answerInPlace against a plain reading of the
// frames, byte by byte: what it takes is a run of whole frames it may
// answer, its answers are theirs, it stops at the first frame it may not
// answer, and it changes nothing of that one or after it.
func FuzzAnswerInPlace(f *testing.F) {
	f.Add(frame{fin: true, op: opBinary, payload: []byte("hello")}.encode(), int64(100))
	f.Add(append(frame{fin: true, op: opText, payload: []byte("é")}.encode(), frame{fin: true, op: opPing}.encode()...), int64(10))
	f.Add(frame{fin: true, op: opBinary, payload: bytes.Repeat([]byte{7}, 200)}.encode(), int64(1<<20))
	f.Fuzz(func(t *testing.T, b []byte, limit int64) {
		orig := bytes.Clone(b)
		a := answerInPlace(b, limit)
		var want []byte
		at := 0
		for at < a.taken {
			op, payload, size, ok := plainFrame(orig[at:], limit)
			if !ok {
				t.Fatalf("took a frame at %d that may not be answered in place", at)
			}
			want = append(want, 0x80|op)
			if len(payload) <= 125 {
				want = append(want, byte(len(payload)))
			} else {
				want = append(want, 126)
				want = binary.BigEndian.AppendUint16(want, uint16(len(payload)))
			}
			want = append(want, payload...)
			at += size
		}
		if at != a.taken {
			t.Fatalf("took %d bytes, which end inside a frame (at %d)", a.taken, at)
		}
		if _, _, _, ok := plainFrame(orig[a.taken:], limit); ok {
			t.Fatalf("stopped at %d, before a frame it may answer", a.taken)
		}
		if !bytes.Equal(b[a.from:a.to], want) {
			t.Fatalf("answers % x, want % x", b[a.from:a.to], want)
		}
		if !bytes.Equal(b[a.taken:], orig[a.taken:]) {
			t.Fatal("changed bytes after the frames it took")
		}
	})
}

// plainFrame reads the frame b starts with as the rules of answerInPlace
// say, plainly: ok when it is whole and may be answered in place, with
// its opcode, its payload unmasked and its size on the wire.
func plainFrame(b []byte, limit int64) (op byte, payload []byte, size int, ok bool) {
	if len(b) < 2 {
		return 0, nil, 0, false
	}
	fin, rsv, masked := b[0]&0x80 != 0, b[0]&0x70, b[1]&0x80 != 0
	op = b[0] & 0x0F
	if !fin || rsv != 0 || !masked || (op != opText && op != opBinary) {
		return 0, nil, 0, false
	}
	n, h := int(b[1]&0x7F), 2
	switch n {
	case 127:
		return 0, nil, 0, false
	case 126:
		if len(b) < 4 {
			return 0, nil, 0, false
		}
		n, h = int(b[2])<<8|int(b[3]), 4
	}
	if int64(n) > limit || len(b) < h+4+n {
		return 0, nil, 0, false
	}
	key := b[h : h+4]
	payload = make([]byte, n)
	for i := range n {
		payload[i] = b[h+4+i] ^ key[i%4]
	}
	if op == opText && !utf8.Valid(payload) {
		return 0, nil, 0, false
	}
	return op, payload, h + 4 + n, true
}

// TestUnmask checks unmask against the rule of RFC 6455 section 5.3,
// byte by byte, at every length around its loops' steps and from every
// alignment.
func TestUnmask(t *testing.T) {
	t.Parallel()
	key := [4]byte{0xA1, 0xB2, 0xC3, 0xD4}
	for off := range 8 {
		for n := range 100 {
			buf := make([]byte, off+n)
			for i := range buf {
				buf[i] = byte(i * 31)
			}
			want := bytes.Clone(buf[off:])
			for i := range want {
				want[i] ^= key[i%4]
			}
			unmask(buf[off:], binary.LittleEndian.Uint32(key[:]))
			if !bytes.Equal(buf[off:], want) {
				t.Fatalf("offset %d, %d bytes: % x, want % x", off, n, buf[off:], want)
			}
		}
	}
}

// BenchmarkUnmask: unmask's speed on a 4 KiB payload.
func BenchmarkUnmask(b *testing.B) {
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		unmask(buf, 0x12345678)
	}
}

// TestHeldWritesKeepTheirSize: a write too large for the held writes'
// pooled buffer goes out at once, behind what is held, rather than grow
// the buffer, which would go back to the pool grown: answers in place
// run up to the wait's 32 KiB.
func TestHeldWritesKeepTheirSize(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	pool := &sync.Pool{New: func() any { b := make([]byte, 0, heldSize); return &b }}
	w := &watchedConn{Conn: writeConn{&out}, pool: pool}
	w.coalesce.Store(true)
	w.watch.messages.Store(2) // a message ahead of the one being written
	w.started.Store(1)
	write := func(p []byte) {
		t.Helper()
		if n, err := w.Write(p); err != nil || n != len(p) {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	big := bytes.Repeat([]byte{2}, heldSize+1)
	write(big)
	if !bytes.Equal(out.Bytes(), big) || w.held.Load() {
		t.Fatalf("a write of %d bytes with a message ahead: %d bytes went out, held %v; want it out at once", len(big), out.Len(), w.held.Load())
	}
	out.Reset()
	small := bytes.Repeat([]byte{1}, 100)
	write(small)
	if out.Len() != 0 || !w.held.Load() || cap(*w.pending) != heldSize {
		t.Fatalf("a write of 100 bytes: %d went out, held %v; want it held", out.Len(), w.held.Load())
	}
	write(big)
	if want := append(bytes.Clone(small), big...); !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("wrote %d bytes, want the held 100 then the %d", out.Len(), len(big))
	}
	if w.held.Load() || w.pending != nil {
		t.Fatal("still holding after a write that did not fit")
	}
}

// writeConn is a net.Conn that only writes, to w.
type writeConn struct{ w io.Writer }

func (c writeConn) Write(p []byte) (int, error)    { return c.w.Write(p) }
func (writeConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (writeConn) Close() error                     { return nil }
func (writeConn) LocalAddr() net.Addr              { return nil }
func (writeConn) RemoteAddr() net.Addr             { return nil }
func (writeConn) SetDeadline(time.Time) error      { return nil }
func (writeConn) SetReadDeadline(time.Time) error  { return nil }
func (writeConn) SetWriteDeadline(time.Time) error { return nil }

// TestEchoInPlaceNothingAfterClose: once the server's close frame has gone
// out, whatever wrote it, a busy connection's messages get no answer in
// place: the answers go through gorilla's writer, which refuses a data
// frame after a close (RFC 6455 section 5.5.1). Here the close is written
// from another goroutine, as a shutdown's is, with nothing else marking
// the connection as closing.
func TestEchoInPlaceNothingAfterClose(t *testing.T) {
	t.Parallel()
	s, conns := opened(&Server{})
	rc := busyConn(t, startServer(t, s))
	c := <-conns
	base, before := s.inPlace.Load(), s.Stats()
	if err := c.writeClose(websocket.CloseGoingAway, "", time.Now().Add(ioWait)); err != nil {
		t.Fatal(err)
	}
	if f := rc.mustFrame(); f.op != opClose {
		t.Fatalf("got %v, want the server's close", f)
	}
	// The client does not answer the close: the server ends the
	// connection after its wait for the answer (closeWait).
	rc.write(frame{fin: true, op: opBinary, payload: []byte("after the close")})
	for {
		f, err := rc.readFrame()
		if err != nil {
			break // the server ended the connection
		}
		if f.op != opClose && f.op != opPing && f.op != opPong {
			t.Fatalf("got %v %q after the server's close frame", f, f.payload)
		}
	}
	if got := s.inPlace.Load() - base; got != 0 {
		t.Fatalf("%d messages echoed in place after the close, want none", got)
	}
	// The message was received whole and passed to the echo, which the
	// close then refused: it stays counted. Counters never go back.
	if after := s.Stats(); after.BinaryMessages != before.BinaryMessages+1 || after.BinaryBytes != before.BinaryBytes+int64(len("after the close")) {
		t.Fatalf("stats went from %+v to %+v, want the message refused after the close counted", before, after)
	}
}
