package ws

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// textOfSize returns valid UTF-8 of exactly n bytes with one-, two-, three-
// and four-byte characters, so a split anywhere is likely to cut one.
func textOfSize(n int) []byte {
	const pattern = "héllo wörld € 𝄞 "
	b := make([]byte, 0, n)
	for len(b)+len(pattern) <= n {
		b = append(b, pattern...)
	}
	for _, r := range pattern {
		if len(b)+utf8.RuneLen(r) > n {
			break
		}
		b = utf8.AppendRune(b, r)
	}
	for len(b) < n {
		b = append(b, 'x')
	}
	return b
}

// binaryOfSize returns n pseudo-random bytes, the same for the same n.
func binaryOfSize(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// echoSizes cross every length encoding of RFC 6455 section 5.2 (7-bit,
// 16-bit, 64-bit) at its edges, and end at the default limit.
var echoSizes = []int{0, 125, 126, 65535, 65536, DefaultMaxMessageBytes}

func TestEchoSizes(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		c, _ := ts.dial(t, nil, nil)
		for _, mt := range []int{websocket.TextMessage, websocket.BinaryMessage} {
			for _, size := range echoSizes {
				name := fmt.Sprintf("%s/%d", map[int]string{websocket.TextMessage: "text", websocket.BinaryMessage: "binary"}[mt], size)
				t.Run(name, func(t *testing.T) {
					msg := binaryOfSize(size)
					if mt == websocket.TextMessage {
						msg = textOfSize(size)
					}
					gotType, got := echo(t, c, mt, msg)
					if gotType != mt {
						t.Errorf("echo type %d, want %d", gotType, mt)
					}
					if !bytes.Equal(got, msg) {
						t.Errorf("echo of %d bytes differs: got %d bytes", len(msg), len(got))
					}
				})
			}
		}
	})
}

// countingConn counts the writes on a client's connection; gorilla writes
// each frame with one Write, so this counts frames.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

func TestEchoFragmentedGorilla(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		var counter *countingConn
		d := ts.dialer()
		// A small write buffer makes gorilla flush a frame every 64 bytes,
		// which also cuts multi-byte characters of a text message in two.
		d.WriteBufferSize = 64
		plain := &net.Dialer{Timeout: ioWait}
		d.NetDial = func(network, addr string) (net.Conn, error) {
			nc, err := plain.Dial(network, addr)
			if err != nil {
				return nil, err
			}
			counter = &countingConn{Conn: nc}
			return counter, nil
		}
		c, _ := ts.dial(t, d, nil)

		tests := []struct {
			name   string
			mt     int
			pieces [][]byte
		}{
			{"text", websocket.TextMessage, [][]byte{textOfSize(100), textOfSize(37), textOfSize(300)}},
			{"binary", websocket.BinaryMessage, [][]byte{binaryOfSize(200), binaryOfSize(1), binaryOfSize(500)}},
			{"empty writes", websocket.BinaryMessage, [][]byte{{}, binaryOfSize(130), {}, binaryOfSize(70)}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := counter.writes.Load()
				c.SetWriteDeadline(time.Now().Add(ioWait))
				w, err := c.NextWriter(tt.mt)
				if err != nil {
					t.Fatal(err)
				}
				var want []byte
				for _, p := range tt.pieces {
					want = append(want, p...)
					if _, err := w.Write(p); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				// The counter sits under gorilla's TLS client: each frame is
				// one TLS record, one write.
				frames := counter.writes.Load() - before
				if least := int64(len(want) / 64); frames < least {
					t.Fatalf("message went out in %d writes, want at least %d frames", frames, least)
				}
				c.SetReadDeadline(time.Now().Add(ioWait))
				gotType, got, err := c.ReadMessage()
				if err != nil {
					t.Fatal(err)
				}
				if gotType != tt.mt || !bytes.Equal(got, want) {
					t.Fatalf("echo: type %d, %d bytes; want type %d, %d bytes", gotType, len(got), tt.mt, len(want))
				}
			})
		}
	})
}

func TestEchoFragmentedRaw(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			name   string
			frames []frame
			wantOp byte
			want   string
		}{
			{
				name:   "text in three",
				frames: []frame{{op: opText, payload: []byte("hel")}, {op: opCont, payload: []byte("lo ")}, {fin: true, op: opCont, payload: []byte("world")}},
				wantOp: opText, want: "hello world",
			},
			{
				name:   "binary in two",
				frames: []frame{{op: opBinary, payload: []byte{0, 1, 2}}, {fin: true, op: opCont, payload: []byte{0xff, 0xfe}}},
				wantOp: opBinary, want: "\x00\x01\x02\xff\xfe",
			},
			{
				name:   "empty fragments",
				frames: []frame{{op: opText}, {op: opCont, payload: []byte("abc")}, {fin: true, op: opCont}},
				wantOp: opText, want: "abc",
			},
			{
				name:   "all empty",
				frames: []frame{{op: opBinary}, {fin: true, op: opCont}},
				wantOp: opBinary, want: "",
			},
			{
				name: "character split over frames",
				// U+1D11E is F0 9D 84 9E: one byte per frame.
				frames: []frame{{op: opText, payload: []byte("a\xf0")}, {op: opCont, payload: []byte("\x9d")}, {op: opCont, payload: []byte("\x84")}, {fin: true, op: opCont, payload: []byte("\x9eb")}},
				wantOp: opText, want: "a𝄞b",
			},
			{
				name:   "16-bit lengths",
				frames: []frame{{op: opBinary, payload: binaryOfSize(300)}, {fin: true, op: opCont, payload: binaryOfSize(70000)}},
				wantOp: opBinary, want: string(binaryOfSize(300)) + string(binaryOfSize(70000)),
			},
		}
		ts := serve(t, &Server{}, nil)
		rc, _ := ts.dialRaw(t, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rc.tb = t
				rc.write(tt.frames...)
				op, rsv, got := rc.readMessage()
				if op != tt.wantOp || rsv != 0 || string(got) != tt.want {
					t.Fatalf("echo: op %#x rsv %#x %q; want op %#x %q", op, rsv, got, tt.wantOp, tt.want)
				}
			})
		}
	})
}

// TestPingBetweenFragments checks that a control frame in the middle of a
// fragmented message is answered at once and does not disturb the message
// (RFC 6455 section 5.4).
func TestPingBetweenFragments(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		rc, _ := ts.dialRaw(t, nil)
		rc.write(frame{op: opText, payload: []byte("first ")}, frame{fin: true, op: opPing, payload: []byte("between")})
		if f := rc.mustFrame(); f.op != opPong || string(f.payload) != "between" {
			t.Fatalf("got %v %q, want pong \"between\"", f, f.payload)
		}
		rc.write(frame{fin: true, op: opCont, payload: []byte("second")})
		if op, _, got := rc.readMessage(); op != opText || string(got) != "first second" {
			t.Fatalf("echo: op %#x %q, want text \"first second\"", op, got)
		}
	})
}

func TestSubprotocol(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			name  string
			offer []string
			want  string
		}{
			{"chat first", []string{"chat", "superchat"}, "chat"},
			{"superchat first", []string{"superchat", "chat"}, "superchat"},
			{"none", nil, ""},
		}
		ts := serve(t, &Server{}, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d := ts.dialer()
				d.Subprotocols = tt.offer
				c, resp := ts.dial(t, d, nil)
				if got := c.Subprotocol(); got != tt.want {
					t.Errorf("subprotocol %q, want %q", got, tt.want)
				}
				if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != tt.want {
					t.Errorf("Sec-WebSocket-Protocol %q, want %q", got, tt.want)
				}
				if _, got := echo(t, c, websocket.TextMessage, []byte("hi")); string(got) != "hi" {
					t.Errorf("echo %q", got)
				}
			})
		}

		// The header as a browser writes it, in one line.
		t.Run("raw header", func(t *testing.T) {
			_, resp := ts.dialRaw(t, http.Header{"Sec-WebSocket-Protocol": {"chat, superchat"}})
			if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "chat" {
				t.Errorf("Sec-WebSocket-Protocol %q, want \"chat\"", got)
			}
		})
	})
}

// TestFramesBehindAMessage: frames that come in the same write as a
// message, behind it, are answered at once: crypto/tls may hold them after
// the echo read the message, and a wait on the socket would not see them
// until the client sent more (RFC 6455 section 5.5.2: a pong "as soon as
// is practical").
func TestFramesBehindAMessage(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		behind := []struct {
			name string
			f    frame
		}{
			{"ping", frame{fin: true, op: opPing, payload: []byte("P")}},
			{"message", frame{fin: true, op: opText, payload: []byte("second")}},
			{"close", frame{fin: true, op: opClose, payload: closePayload(1000, "")}},
		}
		for _, size := range []int{1000, 16000, 20000, 100000, 1 << 20} {
			for _, b := range behind {
				t.Run(fmt.Sprintf("%s behind %d bytes", b.name, size), func(t *testing.T) {
					t.Parallel()
					rc, _ := ts.dialRaw(t, nil)
					rc.write(frame{fin: true, op: opBinary, payload: make([]byte, size)}, b.f)
					if op, _, got := rc.readMessage(); op != opBinary || len(got) != size {
						t.Fatalf("echo op %#x, %d bytes; want %d", op, len(got), size)
					}
					// Within ioWait, where the keepalive's ping would come only
					// after 30 s.
					f := rc.mustFrame()
					switch b.f.op {
					case opPing:
						if f.op != opPong || string(f.payload) != "P" {
							t.Errorf("got %v, want the pong", f)
						}
					case opText:
						if f.op != opText || string(f.payload) != "second" {
							t.Errorf("got %v, want the second echo", f)
						}
					case opClose:
						if f.op != opClose {
							t.Errorf("got %v, want the close answered", f)
						}
					}
				})
			}
		}
	})
}
