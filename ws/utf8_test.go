package ws

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

var utf8StreamTests = []struct {
	name   string
	pieces []string
	// failAt is the index of the piece whose write must fail, -1 if none.
	failAt int
	// complete is what complete reports when no write failed.
	complete bool
}{
	{"empty", nil, -1, true},
	{"empty pieces", []string{"", "", ""}, -1, true},
	{"ascii", []string{"hello"}, -1, true},
	{"multibyte whole", []string{"é€𝄞"}, -1, true},
	{"U+FFFD itself is valid", []string{"\xef\xbf\xbd"}, -1, true},
	{"max code point", []string{"\xf4\x8f\xbf\xbf"}, -1, true},
	{"two-byte split", []string{"a\xc3", "\xa9b"}, -1, true},
	{"three-byte split after 1", []string{"\xe2", "\x82\xac"}, -1, true},
	{"three-byte split after 2", []string{"\xe2\x82", "\xac"}, -1, true},
	{"four-byte one byte each", []string{"\xf0", "\x9d", "\x84", "\x9e"}, -1, true},
	{"split then more text", []string{"x\xf0\x9d", "\x84\x9eyz€"}, -1, true},
	{"pending across empty piece", []string{"\xe2", "", "\x82", "", "\xac"}, -1, true},
	{"ends mid character", []string{"ab\xe2\x82"}, -1, false},
	{"ends mid character after split", []string{"ab\xf0", "\x9d\x84"}, -1, false},
	{"lone continuation", []string{"\x80"}, 0, false},
	{"invalid byte FF", []string{"ab\xff"}, 0, false},
	{"invalid byte F5", []string{"\xf5"}, 0, false},
	{"overlong two-byte", []string{"\xc0\xaf"}, 0, false},
	{"overlong three-byte", []string{"\xe0\x80\xaf"}, 0, false},
	{"overlong prefix fails at once", []string{"\xe0\x80"}, 0, false},
	{"surrogate", []string{"\xed\xa0\x80"}, 0, false},
	{"surrogate prefix fails at once", []string{"\xed\xa0"}, 0, false},
	{"above U+10FFFF", []string{"\xf4\x90\x80\x80"}, 0, false},
	{"above U+10FFFF prefix split", []string{"\xf4", "\x90"}, 1, false},
	{"bad continuation after split", []string{"\xe2", "\x28\xa1"}, 1, false},
	{"bad third byte after split", []string{"\xf0\x9d", "\x84A"}, 1, false},
	{"too many continuations", []string{"\xc3\xa9", "\xa9"}, 1, false},
	{"valid then invalid", []string{"ok", "fine", "\xc3\x28"}, 2, false},
	{"new start inside character", []string{"\xe2\x82", "\xe2\x82\xac"}, 1, false},
}

func TestUTF8Stream(t *testing.T) {
	t.Parallel()
	for _, tt := range utf8StreamTests {
		t.Run(tt.name, func(t *testing.T) {
			var u utf8Stream
			for i, p := range tt.pieces {
				ok := u.write([]byte(p))
				if want := i != tt.failAt; ok != want {
					t.Fatalf("write(piece %d %q) = %v, want %v", i, p, ok, want)
				}
				if !ok {
					return
				}
			}
			if tt.failAt >= 0 {
				t.Fatalf("no write failed, want piece %d to fail", tt.failAt)
			}
			if got := u.complete(); got != tt.complete {
				t.Fatalf("complete() = %v, want %v", got, tt.complete)
			}
		})
	}
}

// validPrefix reports whether some valid UTF-8 starts with b: b is valid
// text followed by at most three bytes that some continuation bytes turn
// into one valid character. These four continuation bytes cover every
// range a second byte may need (E0: A0.., ED: ..9F, F0: 90.., F4: ..8F), so
// trying them all is exact.
func validPrefix(b []byte) bool {
	tail := []byte{0x80, 0x90, 0xA0, 0xBF}
	var completes func(s []byte, more int) bool
	completes = func(s []byte, more int) bool {
		if utf8.Valid(s) {
			return true
		}
		if more == 0 {
			return false
		}
		for _, c := range tail {
			if completes(append(s[:len(s):len(s)], c), more-1) {
				return true
			}
		}
		return false
	}
	for k := 0; k < utf8.UTFMax && k <= len(b); k++ {
		if utf8.Valid(b[:len(b)-k]) && completes(b[len(b)-k:], utf8.UTFMax-1) {
			return true
		}
	}
	return false
}

// FuzzUTF8Stream splits data at random points and checks that every write
// answers exactly whether the bytes so far can still become valid UTF-8
// (fail fast, never too early), and that the whole agrees with utf8.Valid.
func FuzzUTF8Stream(f *testing.F) {
	for _, tt := range utf8StreamTests {
		var data, cuts []byte
		for _, p := range tt.pieces {
			data = append(data, p...)
			cuts = append(cuts, byte(len(p)))
		}
		f.Add(data, cuts)
	}
	f.Add([]byte("héllo wörld € 𝄞"), []byte{1, 2, 3, 4, 5, 6, 7})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		// The oracle rescans the whole prefix at each cut: bound the work.
		data = data[:min(len(data), 4096)]
		cuts = cuts[:min(len(cuts), 64)]
		var u utf8Stream
		pos := 0
		write := func(p []byte) bool {
			pos += len(p)
			ok := u.write(p)
			if want := validPrefix(data[:pos]); ok != want {
				t.Fatalf("after %q (pieces by %v): write = %v, want %v", data[:pos], cuts, ok, want)
			}
			return ok
		}
		for _, c := range cuts {
			n := int(c) % (len(data) - pos + 1)
			if !write(data[pos : pos+n]) {
				return
			}
		}
		if !write(data[pos:]) {
			return
		}
		if got, want := u.complete(), utf8.Valid(data); got != want {
			t.Fatalf("%q (pieces by %v): complete = %v, utf8.Valid = %v", data, cuts, got, want)
		}
	})
}

// FuzzUTF8StreamSplits cuts data in two at every point, and also feeds it
// a byte at a time: however a message is split across reads and
// fragments, the stream's verdict on the whole must be utf8.Valid's, and
// the first piece must be refused exactly when no valid text starts with
// it.
func FuzzUTF8StreamSplits(f *testing.F) {
	for _, tt := range utf8StreamTests {
		f.Add([]byte(strings.Join(tt.pieces, "")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Every cut rescans the whole input: bound the work.
		data = data[:min(len(data), 512)]
		want := utf8.Valid(data)
		for i := 0; i <= len(data); i++ {
			var u utf8Stream
			first := u.write(data[:i])
			if prefix := validPrefix(data[:i]); first != prefix {
				t.Fatalf("%q cut at %d: first write = %v, want %v", data, i, first, prefix)
			}
			got := first && u.write(data[i:]) && u.complete()
			if got != want {
				t.Fatalf("%q cut at %d: stream says valid = %v, utf8.Valid %v", data, i, got, want)
			}
		}
		var u utf8Stream
		got := true
		for i := range data {
			if !u.write(data[i : i+1]) {
				got = false
				break
			}
		}
		if got = got && u.complete(); got != want {
			t.Fatalf("%q a byte at a time: stream says valid = %v, utf8.Valid %v", data, got, want)
		}
	})
}

// TestInvalidUTF8 sends text over the wire, whole and in fragments; the
// server must echo valid text and close with 1007 otherwise.
func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			name   string
			frames []frame
			// close is the expected close code; 0 means the text is echoed.
			close int
		}{
			{"valid single frame", []frame{{fin: true, op: opText, payload: []byte("€ ok")}}, 0},
			{"invalid byte", []frame{{fin: true, op: opText, payload: []byte("ab\xffcd")}}, websocket.CloseInvalidFramePayloadData},
			{"surrogate", []frame{{fin: true, op: opText, payload: []byte("\xed\xa0\x80")}}, websocket.CloseInvalidFramePayloadData},
			{"overlong", []frame{{fin: true, op: opText, payload: []byte("\xc0\xaf")}}, websocket.CloseInvalidFramePayloadData},
			{"beyond U+10FFFF", []frame{{fin: true, op: opText, payload: []byte("\xf4\x90\x80\x80")}}, websocket.CloseInvalidFramePayloadData},
			{
				name:   "character split, valid",
				frames: []frame{{op: opText, payload: []byte("price \xe2\x82")}, {fin: true, op: opCont, payload: []byte("\xac 5")}},
			},
			{
				name:   "sequence split, invalid",
				frames: []frame{{op: opText, payload: []byte("price \xe2")}, {fin: true, op: opCont, payload: []byte("\x28\xa1")}},
				close:  websocket.CloseInvalidFramePayloadData,
			},
			{
				name:   "ends mid character",
				frames: []frame{{fin: true, op: opText, payload: []byte("ab\xe2\x82")}},
				close:  websocket.CloseInvalidFramePayloadData,
			},
			{
				name:   "ends mid character after fragments",
				frames: []frame{{op: opText, payload: []byte("ab")}, {fin: true, op: opCont, payload: []byte("\xf0\x9d\x84")}},
				close:  websocket.CloseInvalidFramePayloadData,
			},
			{
				// The rest of the message never comes: the server must judge
				// the first fragment on its own (fail fast, section 8.1).
				name:   "fails before the message ends",
				frames: []frame{{op: opText, payload: []byte("ok \xff")}},
				close:  websocket.CloseInvalidFramePayloadData,
			},
			{
				name:   "binary is not checked",
				frames: []frame{{fin: true, op: opBinary, payload: []byte("\xff\xfe\xed\xa0\x80")}},
			},
		}
		ts := serve(t, &Server{}, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rc, _ := ts.dialRaw(t, nil)
				rc.expectEchoOrClose(tt.frames, tt.close)
			})
		}
	})
}

// TestInvalidUTF8Gorilla checks what a library client sees: a CloseError
// with 1007, also after the server began to echo the message.
func TestInvalidUTF8Gorilla(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		for _, size := range []int{10, 100 << 10} {
			t.Run(fmt.Sprint(size), func(t *testing.T) {
				c, _ := ts.dial(t, nil, nil)
				msg := append(textOfSize(size), 0xff)
				c.SetWriteDeadline(timeIn(ioWait))
				if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
					t.Fatal(err)
				}
				c.SetReadDeadline(timeIn(ioWait))
				_, _, err := c.ReadMessage()
				wantCloseError(t, err, websocket.CloseInvalidFramePayloadData)
			})
		}
	})
}
