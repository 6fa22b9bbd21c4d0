package ws

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// protocolErrorTests are frames a server must refuse with close 1002
// (RFC 6455 sections 5.1 to 5.5 and 7.4.1), in the manner of the Autobahn
// test suite's cases 2, 3, 4, 5 and 7.
var protocolErrorTests = func() []struct {
	name   string
	frames []frame
} {
	tests := []struct {
		name   string
		frames []frame
	}{
		{"unmasked text", []frame{{fin: true, op: opText, payload: []byte("hi"), unmasked: true}}},
		{"unmasked ping", []frame{{fin: true, op: opPing, unmasked: true}}},
		{"RSV1 without compression", []frame{{fin: true, rsv: rsv1, op: opText, payload: []byte("hi")}}},
		{"RSV2", []frame{{fin: true, rsv: rsv2, op: opText, payload: []byte("hi")}}},
		{"RSV3", []frame{{fin: true, rsv: rsv3, op: opBinary, payload: []byte("hi")}}},
		{"RSV2 on ping", []frame{{fin: true, rsv: rsv2, op: opPing}}},
		{"RSV1 on ping", []frame{{fin: true, rsv: rsv1, op: opPing}}},
		{"RSV1 on continuation", []frame{{op: opText, payload: []byte("a")}, {fin: true, rsv: rsv1, op: opCont, payload: []byte("b")}}},
		{"continuation without start", []frame{{fin: true, op: opCont, payload: []byte("orphan")}}},
		{"continuation after a whole message", []frame{{fin: true, op: opText, payload: []byte("a")}, {fin: true, op: opCont, payload: []byte("b")}}},
		{"new message inside a fragmented one", []frame{{op: opText, payload: []byte("a")}, {fin: true, op: opText, payload: []byte("b")}}},
		{"ping with 126 bytes", []frame{{fin: true, op: opPing, payload: bytes.Repeat([]byte{'p'}, 126)}}},
		{"close with 1 byte", []frame{{fin: true, op: opClose, payload: []byte{0x03}}}},
		{"close with 126 bytes", []frame{{fin: true, op: opClose, payload: closePayload(1000, string(bytes.Repeat([]byte{'r'}, 124)))}}},
		{"fragmented ping", []frame{{op: opPing, payload: []byte("a")}, {fin: true, op: opCont, payload: []byte("b")}}},
		{"fragmented pong", []frame{{op: opPong, payload: []byte("a")}}},
		// gorilla checks the reason of a close as UTF-8 and answers 1002;
		// RFC 6455 section 8.1 asks only that the connection fail (the
		// Autobahn suite's case 7.5.1 takes 1002 or 1007).
		{"close reason not UTF-8", []frame{{fin: true, op: opClose, payload: closePayload(1000, "\xff\xfe")}}},
		{"close reason ends mid character", []frame{{fin: true, op: opClose, payload: closePayload(1000, "\xe2\x82")}}},
	}
	for _, op := range []byte{3, 4, 5, 6, 7, 11, 12, 13, 14, 15} {
		tests = append(tests, struct {
			name   string
			frames []frame
		}{fmt.Sprintf("opcode %d", op), []frame{{fin: true, op: op, payload: []byte("x")}}})
	}
	// Codes a peer must not send (section 7.4.1 and the IANA registry).
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535} {
		tests = append(tests, struct {
			name   string
			frames []frame
		}{fmt.Sprintf("close code %d", code), []frame{{fin: true, op: opClose, payload: closePayload(code, "")}}})
	}
	return tests
}()

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		for _, tt := range protocolErrorTests {
			t.Run(tt.name, func(t *testing.T) {
				rc, _ := ts.dialRaw(t, nil)
				rc.write(tt.frames...)
				rc.expectClose(websocket.CloseProtocolError)
			})
		}
	})
}

// TestFrameLengthTopBit: a 64-bit payload length must have its most
// significant bit clear (RFC 6455 section 5.2); one with it set gets
// close 1002, while the largest valid length gets 1009 as over the limit.
func TestFrameLengthTopBit(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		for _, tt := range []struct {
			length uint64
			code   int
		}{
			{1 << 63, websocket.CloseProtocolError},
			{1<<64 - 1, websocket.CloseProtocolError},
			{1<<63 - 1, websocket.CloseMessageTooBig},
		} {
			t.Run(fmt.Sprintf("%#x", tt.length), func(t *testing.T) {
				rc, _ := ts.dialRaw(t, nil)
				hdr := []byte{0x80 | opBinary, 0x80 | 127}
				hdr = binary.BigEndian.AppendUint64(hdr, tt.length)
				hdr = append(hdr, 1, 2, 3, 4) // the mask
				rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
				if _, err := rc.conn.Write(hdr); err != nil {
					t.Fatal(err)
				}
				rc.expectClose(tt.code)
			})
		}
	})
}

// TestUpgradeWithEarlyDataLogged: an upgrade request followed by bytes
// before the 101 (frames sent too early) is refused (its 400 is
// TestUpgradeWithEarlyBytes'); the debug log says why, in the line of
// every refused upgrade.
func TestUpgradeWithEarlyDataLogged(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		failed := make(chan struct{}, 1)
		ts := serve(t, &Server{Logger: slog.New(&eventHandler{msg: "upgrade refused", seen: failed})}, nil)
		c := ts.dialConn(t)
		defer c.Close()
		fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n%s",
			ts.addr, frame{fin: true, op: opText, payload: []byte("early")}.encode())
		select {
		case <-failed:
		case <-time.After(ioWait):
			t.Fatal("no debug line for the refused upgrade")
		}
	})
}

func TestPingPong(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			name    string
			payload []byte
		}{
			{"empty", nil},
			{"text", []byte("hello")},
			{"binary", []byte{0, 0xff, 0x80, 1}},
			{"125 bytes", binaryOfSize(125)},
		}
		ts := serve(t, &Server{}, nil)
		rc, _ := ts.dialRaw(t, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rc.tb = t
				rc.write(frame{fin: true, op: opPing, payload: tt.payload})
				f := rc.mustFrame()
				if f.op != opPong || !f.fin || f.rsv != 0 || !bytes.Equal(f.payload, tt.payload) {
					t.Fatalf("got %v %q, want pong %q", f, f.payload, tt.payload)
				}
			})
		}
		// An unsolicited pong is allowed and needs no answer (section 5.5.3):
		// the next thing the client gets is the echo.
		t.Run("unsolicited pong", func(t *testing.T) {
			rc.tb = t
			rc.write(frame{fin: true, op: opPong, payload: []byte("beat")}, frame{fin: true, op: opText, payload: []byte("after")})
			if op, _, got := rc.readMessage(); op != opText || string(got) != "after" {
				t.Fatalf("got op %#x %q, want the echo of \"after\"", op, got)
			}
		})
	})
}

// TestClientClose checks that a client's close is answered with the same
// code (section 5.5.1) and the server then ends the connection.
func TestClientClose(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			name    string
			payload []byte
			want    int // websocket.CloseNoStatusReceived: an empty close
		}{
			{"1000", closePayload(1000, ""), 1000},
			{"1000 with reason", closePayload(1000, "bye"), 1000},
			{"1001", closePayload(1001, ""), 1001},
			{"1002", closePayload(1002, ""), 1002},
			{"1003", closePayload(1003, ""), 1003},
			{"1007", closePayload(1007, ""), 1007},
			{"1011", closePayload(1011, ""), 1011},
			{"1012", closePayload(1012, ""), 1012},
			{"1013", closePayload(1013, ""), 1013},
			{"1000 with a 123-byte reason", closePayload(1000, string(bytes.Repeat([]byte{'r'}, 123))), 1000},
			{"3000", closePayload(3000, ""), 3000},
			{"4999", closePayload(4999, "private"), 4999},
			{"empty", nil, websocket.CloseNoStatusReceived},
		}
		ts := serve(t, &Server{}, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rc, _ := ts.dialRaw(t, nil)
				rc.write(frame{fin: true, op: opClose, payload: tt.payload})
				f := rc.mustFrame()
				if f.op != opClose {
					t.Fatalf("got %v, want close", f)
				}
				if tt.want == websocket.CloseNoStatusReceived {
					if len(f.payload) != 0 {
						t.Fatalf("close answered with body %q, want an empty close", f.payload)
					}
				} else if len(f.payload) < 2 || int(f.payload[0])<<8|int(f.payload[1]) != tt.want {
					t.Fatalf("close answered with %q, want code %d", f.payload, tt.want)
				}
				rc.expectEnd()
			})
		}

		// A close in the middle of a fragmented message ends it too.
		t.Run("inside a fragmented message", func(t *testing.T) {
			rc, _ := ts.dialRaw(t, nil)
			rc.write(frame{op: opText, payload: []byte("half")}, frame{fin: true, op: opClose, payload: closePayload(1000, "")})
			if code, _ := rc.readClose(); code != 1000 {
				t.Fatalf("close answered with %d, want 1000", code)
			}
			rc.expectEnd()
		})
	})
}

// TestCloseThenShortClose: a valid close is answered with its code, also
// when a close frame that would be a protocol error (a 1-byte payload)
// follows it in the same write: gorilla reads no frame after the first
// close, and neither must the answer depend on one.
func TestCloseThenShortClose(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		rc, _ := ts.dialRaw(t, nil)
		rc.write(frame{fin: true, op: opText, payload: []byte("hi")},
			frame{fin: true, op: opClose, payload: closePayload(4001, "")},
			frame{fin: true, op: opClose, payload: []byte{3}})
		if op, _, got := rc.readMessage(); op != opText || string(got) != "hi" {
			t.Fatalf("echo op %#x %q", op, got)
		}
		rc.expectClose(4001)
	})
}

// TestEmptyCloseAnswered: a close frame without a code is answered with
// one without a code, on every kind of connection (compressed, with
// faults, each echo's path), and counted as 1005, the code that stands
// for none (RFC 6455 section 7.4.1) and may never be sent.
func TestEmptyCloseAnswered(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tt := range []struct {
			name       string
			compressed bool
			query      string
		}{
			{"plain", false, ""},
			{"compressed", true, ""},
			{"with faults", false, "?fault=delay:1ms"},
			{"compressed with faults", true, "?fault=bw:1MiB"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				in, err := fault.New(fault.Options{})
				if err != nil {
					t.Fatal(err)
				}
				closed := make(chan int, 1)
				ts := serve(t, &Server{Compression: tt.compressed, Faults: in,
					Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}, nil)
				ts.query = tt.query
				var hdr http.Header
				if tt.compressed {
					hdr = http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}
				}
				rc, _ := ts.dialRaw(t, hdr)
				rc.write(frame{fin: true, op: opText, payload: []byte("hi")})
				_, _, got := rc.readMessage()
				if tt.compressed {
					got = inflate(t, got)
				}
				if string(got) != "hi" {
					t.Fatalf("echo %q", got)
				}
				rc.write(frame{fin: true, op: opClose})
				if f := rc.mustFrame(); f.op != opClose || len(f.payload) != 0 {
					t.Fatalf("close answered with %v %q, want an empty close", f, f.payload)
				}
				rc.expectEnd()
				select {
				case code := <-closed:
					if code != websocket.CloseNoStatusReceived {
						t.Errorf("CloseCode %d, want %d", code, websocket.CloseNoStatusReceived)
					}
				case <-time.After(ioWait):
					t.Fatal("the connection did not end")
				}
			})
		}
	})
}
