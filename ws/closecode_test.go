package ws

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestFrameWatchStandsIn: the watch stands in for 1014 only in the
// client's first close frame, whatever the reads' cuts, and leaves every
// other byte as it came.
func TestFrameWatchStandsIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stream   []byte
		standsIn bool
	}{
		{"1014", frame{fin: true, op: opClose, payload: closePayload(1014, "upstream")}.encode(), true},
		{"1014 after an echo", cat(frame{fin: true, op: opText, payload: []byte{0x03, 0xF6}}.encode(),
			frame{fin: true, op: opClose, payload: closePayload(1014, "")}.encode()), true},
		{"1011", frame{fin: true, op: opClose, payload: closePayload(1011, "")}.encode(), false},
		{"1014 in a second close", cat(frame{fin: true, op: opClose, payload: closePayload(1000, "")}.encode(),
			frame{fin: true, op: opClose, payload: closePayload(1014, "")}.encode()), false},
		{"1014 in a ping", frame{fin: true, op: opPing, payload: closePayload(1014, "")}.encode(), false},
		{"1014 unmasked, a server's", frame{fin: true, op: opClose, unmasked: true, payload: closePayload(1014, "")}.encode(), true},
		{"1-byte close", frame{fin: true, op: opClose, payload: []byte{0x03}}.encode(), false},
	}
	for _, tt := range tests {
		for _, step := range []int{1, 2, 3, len(tt.stream)} {
			var w frameWatch
			b := append([]byte(nil), tt.stream...)
			for off := 0; off < len(b); off += step {
				w.observe(b[off:min(off+step, len(b))])
			}
			if w.stoodIn.Load() != tt.standsIn {
				t.Fatalf("%s, reads of %d: stood in %v, want %v", tt.name, step, w.stoodIn.Load(), tt.standsIn)
			}
			var changed []int
			for i := range b {
				if b[i] != tt.stream[i] {
					changed = append(changed, i)
				}
			}
			switch {
			case !tt.standsIn && len(changed) > 0:
				t.Fatalf("%s, reads of %d: bytes %v changed", tt.name, step, changed)
			case tt.standsIn && (len(changed) != 1 || b[changed[0]]^tt.stream[changed[0]] != 1014^1011):
				t.Fatalf("%s, reads of %d: bytes %v changed, want the code's low byte alone, to 1011", tt.name, step, changed)
			}
			if tt.standsIn && w.sentCode(websocket.CloseInternalServerErr) != 1014 {
				t.Fatalf("%s: sentCode(1011) = %d, want 1014", tt.name, w.sentCode(1011))
			}
		}
	}
}

// TestClientCloseBadGateway: a client closing with 1014 (Bad Gateway,
// registered with IANA and valid to send, as the close fault sends it)
// gets 1014 back, not the 1002 "bad close code" of gorilla's table, and
// 1014 is the close code the server counts; its bytes may come in reads
// of any cut. A client's 1011 stays 1011.
func TestClientCloseBadGateway(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		closed := make(chan int, 1)
		ts := serve(t, &Server{Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}, nil)
		for _, tt := range []struct {
			name     string
			code     int
			bytewise bool
		}{
			{"1014", 1014, false},
			{"1014 a byte at a time", 1014, true},
			{"1011", 1011, false},
		} {
			rc, _ := ts.dialRaw(t, nil)
			rc.write(frame{fin: true, op: opText, payload: []byte("up")})
			if _, _, got := rc.readMessage(); string(got) != "up" {
				t.Fatalf("%s: echo %q", tt.name, got)
			}
			b := frame{fin: true, op: opClose, payload: closePayload(tt.code, "upstream gone")}.encode()
			step := len(b)
			if tt.bytewise {
				step = 1
			}
			for off := 0; off < len(b); off += step {
				rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
				if _, err := rc.conn.Write(b[off:min(off+step, len(b))]); err != nil {
					t.Fatalf("%s: write: %v", tt.name, err)
				}
			}
			if got, reason := rc.readClose(); got != tt.code {
				t.Fatalf("%s: close answered with %d %q, want %d", tt.name, got, reason, tt.code)
			}
			rc.expectEOF()
			if code := <-closed; code != tt.code {
				t.Fatalf("%s: close code %d counted, want %d", tt.name, code, tt.code)
			}
		}
	})
}

// TestHandlerReadsBadGateway: a handler of the user's reads the client's
// 1014 as the close it was, from NextReader's error.
func TestHandlerReadsBadGateway(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		read := make(chan error, 1)
		h := HandlerFunc(func(c *Conn) error {
			_, _, err := c.NextReader()
			read <- err
			return err
		})
		ts := serve(t, &Server{Handler: h}, nil)
		rc, _ := ts.dialRaw(t, nil)
		rc.write(frame{fin: true, op: opClose, payload: closePayload(1014, "upstream gone")})
		wantCloseError(t, <-read, 1014)
		if got, _ := rc.readClose(); got != 1014 {
			t.Fatalf("close answered with %d, want 1014", got)
		}
	})
}

// cutReads hands out its bytes step at a time.
type cutReads struct {
	net.Conn
	b    []byte
	step int
}

func (c *cutReads) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.step)], c.b)
	c.b = c.b[n:]
	return n, nil
}

// readEachCut reads stream, a server's response and frames ending in a
// close with code 1014 and the reason "gone", through a ClientConn in
// reads of every length, and checks that the close code handed on is
// the stand-in 1011; check looks at each reading.
func readEachCut(t *testing.T, stream []byte, check func(step int, cc *ClientConn, got []byte)) {
	t.Helper()
	for step := 1; step <= len(stream); step++ {
		cc := NewClientConn(&cutReads{b: bytes.Clone(stream), step: step})
		got, err := io.ReadAll(cc)
		if err != nil {
			t.Fatal(err)
		}
		if code := int(got[len(got)-6])<<8 | int(got[len(got)-5]); code != 1011 {
			t.Fatalf("reads of %d: close code %d handed on, want the stand-in 1011", step, code)
		}
		check(step, cc, got)
	}
}

// TestClientConnStandsIn: a client's connection finds the end of the
// server's HTTP response however the reads cut it, and stands in for the
// server's close with 1014 after it, but not for bytes of the response
// that look like one.
func TestClientConnStandsIn(t *testing.T) {
	t.Parallel()
	head := "HTTP/1.1 101 Switching Protocols\r\nX-Frame: \x88\x02\x03\xf6\r\n\r\n"
	stream := append([]byte(head), frame{fin: true, op: opText, unmasked: true, payload: []byte("hi")}.encode()...)
	stream = append(stream, frame{fin: true, op: opClose, unmasked: true, payload: closePayload(1014, "gone")}.encode()...)
	readEachCut(t, stream, func(step int, cc *ClientConn, got []byte) {
		if i := bytes.Index(got, []byte("\x88\x02\x03")); i != bytes.Index(stream, []byte("\x88\x02\x03")) {
			t.Fatalf("reads of %d: the response head changed", step)
		}
		err := cc.RestoreCode(&websocket.CloseError{Code: 1011, Text: "gone"})
		if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 1014 || ce.Text != "gone" || cc.SentCode(1011) != 1014 {
			t.Fatalf("reads of %d: %v, SentCode %d; want 1014", step, err, cc.SentCode(1011))
		}
	})
}

// TestBadGatewayInsideMessage: a client's close with 1014 that comes
// between the frames of a fragmented message (RFC 6455 section 5.4 lets
// a control frame come there) is answered and counted as 1014, and a
// handler reading the message reads 1014 from the message's reader.
func TestBadGatewayInsideMessage(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		closed := make(chan int, 1)
		ts := serve(t, &Server{Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}, nil)
		rc, _ := ts.dialRaw(t, nil)
		rc.write(frame{fin: false, op: opText, payload: []byte("half")},
			frame{fin: true, op: opClose, payload: closePayload(1014, "upstream gone")})
		if got, reason := rc.readClose(); got != 1014 {
			t.Fatalf("close answered with %d %q, want 1014", got, reason)
		}
		rc.expectEOF()
		if code := <-closed; code != 1014 {
			t.Fatalf("close code %d counted, want 1014", code)
		}

		read := make(chan error, 1)
		h := HandlerFunc(func(c *Conn) error {
			_, r, err := c.NextReader()
			if err == nil {
				_, err = io.ReadAll(r)
			}
			read <- err
			return err
		})
		ts = serve(t, &Server{Handler: h}, nil)
		rc, _ = ts.dialRaw(t, nil)
		rc.write(frame{fin: false, op: opBinary, payload: []byte("half")},
			frame{fin: true, op: opClose, payload: closePayload(1014, "upstream gone")})
		wantCloseError(t, <-read, 1014)
		if got, _ := rc.readClose(); got != 1014 {
			t.Fatalf("close answered with %d, want 1014", got)
		}
	})
}

// TestClientConnBareLF: a response head whose lines end in a bare "\n",
// which net/http, and so gorilla's client, reads as it reads "\r\n",
// ends where gorilla's reading of it ends: the close with 1014 after it
// is stood in for, and a message after it whose payload holds
// "\r\n\r\n" and then what looks like a close frame's start is left
// as it came.
func TestClientConnBareLF(t *testing.T) {
	t.Parallel()
	head := "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n\n"
	msg := []byte("a\r\n\r\n\x88\x02\x03\xf6")
	stream := append([]byte(head), frame{fin: true, op: opBinary, unmasked: true, payload: msg}.encode()...)
	stream = append(stream, frame{fin: true, op: opClose, unmasked: true, payload: closePayload(1014, "gone")}.encode()...)
	readEachCut(t, stream, func(step int, _ *ClientConn, got []byte) {
		if !bytes.Contains(got, msg) {
			t.Fatalf("reads of %d: the message's payload changed", step)
		}
	})
}
