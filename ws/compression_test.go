package ws

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

func TestCompressionNegotiation(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			name           string
			server, client bool
			want           bool
		}{
			{"both", true, true, true},
			{"server off", false, true, false},
			{"client does not offer", true, false, false},
			{"neither", false, false, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ts := serve(t, &Server{Compression: tt.server}, nil)
				d := ts.dialer()
				d.EnableCompression = tt.client
				c, resp := ts.dial(t, d, nil)
				ext := resp.Header.Get("Sec-WebSocket-Extensions")
				if got := strings.Contains(ext, "permessage-deflate"); got != tt.want {
					t.Fatalf("Sec-WebSocket-Extensions %q: negotiated %v, want %v", ext, got, tt.want)
				}
				for _, mt := range []int{websocket.TextMessage, websocket.BinaryMessage} {
					for _, size := range []int{0, 1, 5000, 200 << 10} {
						msg := textOfSize(size)
						gotType, got := echo(t, c, mt, msg)
						if gotType != mt || !bytes.Equal(got, msg) {
							t.Fatalf("echo type %d, %d bytes; want type %d, %d bytes", gotType, len(got), mt, len(msg))
						}
					}
				}
			})
		}
	})
}

// deflateTail ends a permessage-deflate message (RFC 7692 section 7.2.1
// strips it from the wire).
const deflateTail = "\x00\x00\xff\xff"

// deflate compresses b as a client sends a permessage-deflate message.
// The level is the fastest: what the server must do does not depend on
// it, and under -race the best level took most of a second for each
// megabyte of random bytes (the incompressible echoes up to the limit).
func deflate(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(b)
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasSuffix(out, []byte(deflateTail)) {
		t.Fatalf("flush did not end with %q", deflateTail)
	}
	return out[:len(out)-len(deflateTail)]
}

func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	// The tail plus a final empty stored block lets the reader end cleanly.
	r := flate.NewReader(io.MultiReader(bytes.NewReader(b), strings.NewReader(deflateTail+"\x01\x00\x00\xff\xff")))
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

// TestCompressionWire looks at the frames themselves: the server inflates
// a compressed message (RSV1 set) and answers with a compressed one, and
// it also takes a plain message on a compressed connection.
func TestCompressionWire(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		rc, resp := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate; client_no_context_takeover; server_no_context_takeover"}})
		if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
			t.Fatalf("Sec-WebSocket-Extensions %q, want permessage-deflate", ext)
		}
		msg := bytes.Repeat([]byte("compress me "), 500)
		tests := []struct {
			name   string
			frames []frame
		}{
			{"compressed", []frame{{fin: true, rsv: rsv1, op: opText, payload: deflate(t, msg)}}},
			{"plain", []frame{{fin: true, op: opText, payload: msg}}},
			{"compressed in fragments", func() []frame {
				z := deflate(t, msg)
				h := len(z) / 2
				// RSV1 goes on the first frame only (RFC 7692 section 6.1).
				return []frame{{rsv: rsv1, op: opText, payload: z[:h]}, {fin: true, op: opCont, payload: z[h:]}}
			}()},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rc.tb = t
				rc.write(tt.frames...)
				op, rsv, got := rc.readMessage()
				if op != opText || rsv != rsv1 {
					t.Fatalf("answer op %#x rsv %#x, want a compressed text message", op, rsv)
				}
				if len(got) >= len(msg) {
					t.Errorf("answer has %d bytes on the wire for %d: not compressed", len(got), len(msg))
				}
				if plain := inflate(t, got); !bytes.Equal(plain, msg) {
					t.Fatalf("inflated answer differs: %d bytes, want %d", len(plain), len(msg))
				}
			})
		}
	})
}

// TestCompressedInvalidUTF8 checks that text is validated after inflation.
func TestCompressedInvalidUTF8(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		for _, payload := range []string{"bad \xff", "cut \xe2\x82"} {
			t.Run(fmt.Sprintf("%q", payload), func(t *testing.T) {
				rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
				rc.write(frame{fin: true, rsv: rsv1, op: opText, payload: deflate(t, []byte(payload))})
				rc.expectClose(websocket.CloseInvalidFramePayloadData)
			})
		}
	})
}

// TestCompressedCorrupt: a compressed message whose data does not inflate
// gets close 1007, not a connection ended without a word.
func TestCompressedCorrupt(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
		rc.write(frame{fin: true, rsv: rsv1, op: opBinary, payload: []byte{0xff, 0xff, 0xff, 0xff, 0xff}})
		rc.expectClose(websocket.CloseInvalidFramePayloadData)
	})
}

// TestCompressedMisplacedRSV1: with permessage-deflate negotiated, RSV1
// marks the first frame of a compressed message and nothing else; a
// control or continuation frame carrying it fails the connection with 1002
// (RFC 7692 section 6.1), after the messages sent before it are echoed.
func TestCompressedMisplacedRSV1(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		z := deflate(t, []byte("compressed"))
		tests := []struct {
			name   string
			frames []frame
		}{
			{"ping", []frame{{fin: true, rsv: rsv1, op: opPing, payload: []byte("p")}}},
			{"pong", []frame{{fin: true, rsv: rsv1, op: opPong}}},
			{"close", []frame{{fin: true, rsv: rsv1, op: opClose, payload: closePayload(1000, "")}}},
			{"continuation of a compressed message", []frame{{rsv: rsv1, op: opText, payload: z[:2]}, {fin: true, rsv: rsv1, op: opCont, payload: z[2:]}}},
			{"continuation of a plain message", []frame{{op: opBinary, payload: []byte("a")}, {fin: true, rsv: rsv1, op: opCont, payload: []byte("b")}}},
			{"ping inside a message", []frame{{op: opText, payload: []byte("a")}, {fin: true, rsv: rsv1, op: opPing}, {fin: true, op: opCont, payload: []byte("b")}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
				// A message in the same write goes before the bad frame, and
				// is echoed.
				msg := frame{fin: true, op: opText, payload: []byte("first")}
				rc.write(append([]frame{msg}, tt.frames...)...)
				if op, _, got := rc.readMessage(); op != opText || string(got) != "first" && string(inflate(t, got)) != "first" {
					t.Fatalf("echo op %#x %q, want the first message", op, got)
				}
				rc.expectClose(websocket.CloseProtocolError)
			})
		}
	})
}

// TestCompressedTinyBlocks: a compressed message made of one deflate
// block per byte, which an inflater hands out a byte at a time, is
// echoed compressed in pieces of deflate's window, not a block, a flush
// and its trailer per byte (eleven times the message here).
func TestCompressedTinyBlocks(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
		msg := binaryOfSize(16 << 10)
		var z bytes.Buffer
		fw, err := flate.NewWriter(&z, flate.BestSpeed)
		if err != nil {
			t.Fatal(err)
		}
		for i := range msg {
			fw.Write(msg[i : i+1])
			fw.Flush()
		}
		wire := bytes.TrimSuffix(z.Bytes(), []byte(deflateTail))
		rc.write(frame{fin: true, rsv: rsv1, op: opBinary, payload: wire})
		op, rsv, got := rc.readMessage()
		if op != opBinary || rsv != rsv1 {
			t.Fatalf("answer op %#x rsv %#x, want a compressed binary message", op, rsv)
		}
		if plain := inflate(t, got); !bytes.Equal(plain, msg) {
			t.Fatalf("inflated answer differs: %d bytes, want %d", len(plain), len(msg))
		}
		// Random bytes do not compress: what deflate adds is its framing.
		if limit := len(msg) + 1<<10; len(got) > limit {
			t.Fatalf("answer of %d bytes on the wire for %d sent in %d, want at most %d", len(got), len(msg), len(wire), limit)
		}
	})
}

// TestCompressedCut: a compressed message that arrives whole but whose
// deflate data ends inside a block gets close 1007 and no echo, on the
// plain echo and on the fault echo alike; it used to be echoed as a whole
// message, with the bytes the inflater appends taken for its data.
func TestCompressedCut(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		in, err := fault.New(fault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ts := serve(t, &Server{Compression: true, Faults: in}, nil)
		whole := deflate(t, binaryOfSize(4000))
		tests := []struct {
			name    string
			payload []byte
		}{
			// A stored block announcing 1000 bytes that brings 10.
			{"stored block cut", append([]byte{0x00, 0xe8, 0x03, 0x17, 0xfc}, "0123456789"...)},
			{"stored block cut in its header", []byte{0x00, 0xe8}},
			{"compressed data cut", whole[:len(whole)/2]},
		}
		for _, query := range []string{"", "?fault=delay:1ms"} {
			for _, tt := range tests {
				t.Run(tt.name+query, func(t *testing.T) {
					ts := *ts
					ts.query = query
					rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
					rc.write(frame{fin: true, rsv: rsv1, op: opBinary, payload: tt.payload})
					f := rc.mustFrame()
					if f.op != opClose || len(f.payload) < 2 {
						t.Fatalf("got %v (% .32x), want close 1007 and no echo", f, f.payload)
					}
					if code := int(f.payload[0])<<8 | int(f.payload[1]); code != websocket.CloseInvalidFramePayloadData {
						t.Fatalf("close %d %q, want 1007", code, f.payload[2:])
					}
					rc.conn.Write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseInvalidFramePayloadData, "")}.encode())
					rc.expectEnd()
				})
			}
		}
	})
}

// cutConn passes writes on until cut is set; then it sends half of the
// next write, a TLS record cut short, and a TCP FIN after it.
type cutConn struct {
	net.Conn
	cut atomic.Bool
}

func (c *cutConn) Write(p []byte) (int, error) {
	if !c.cut.Load() {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(p[:len(p)/2]); err != nil {
		return 0, err
	}
	return len(p), c.Conn.(*net.TCPConn).CloseWrite()
}

// TestCompressedConnectionCut: a client whose connection ends inside a
// TLS record, in the middle of a compressed message, gets no echo of the
// part that came: a cut message is not sent back as a whole one.
func TestCompressedConnectionCut(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		var cc *cutConn
		rc, _ := ts.dialRawVia(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}, func(c net.Conn) net.Conn {
			cc = &cutConn{Conn: c}
			return cc
		})
		frags := compressedFragments(t, opText, textOfSize(20000), 2)
		rc.write(frags[0])
		cc.cut.Store(true)
		rc.write(frags[1])
		for {
			f, err := rc.readFrame()
			if err != nil {
				break
			}
			if f.op < opClose {
				t.Fatalf("got %v after the connection was cut inside the message, want no echo", f)
			}
		}
	})
}

// TestMisplacedRSV1AnswerEnds: after the 1002 for a frame with RSV1 where
// it must not be, the client's answering close ends the connection at
// once (RFC 6455 section 7.1.1), as after any other 1002, with
// permessage-deflate negotiated or not. The watch used to stop at the
// bad frame and miss the answer, and the server held the socket for its
// whole wait for one (closeWait).
func TestMisplacedRSV1AnswerEnds(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, compressed := range []bool{false, true} {
			ts := serve(t, &Server{Compression: compressed}, nil)
			var offer http.Header
			if compressed {
				offer = http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}
			}
			tests := []struct {
				name   string
				frames []frame
			}{
				{"ping", []frame{{fin: true, rsv: rsv1, op: opPing, payload: []byte("p")}}},
				{"pong with more in the same write", []frame{{fin: true, rsv: rsv1, op: opPong}, {fin: true, op: opText, payload: []byte("after")}}},
				{"continuation", []frame{{op: opBinary, payload: []byte("a")}, {fin: true, rsv: rsv1, op: opCont, payload: []byte("bcd")}}},
			}
			for _, tt := range tests {
				t.Run(fmt.Sprintf("compressed=%v/%s", compressed, tt.name), func(t *testing.T) {
					rc, _ := ts.dialRaw(t, offer)
					rc.write(tt.frames...)
					if code, reason := rc.readClose(); code != websocket.CloseProtocolError {
						t.Fatalf("server closed with %d %q, want 1002", code, reason)
					}
					start := time.Now()
					rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseProtocolError, "")})
					rc.expectEOF()
					if took := time.Since(start); took >= closeWait {
						t.Errorf("the connection ended %v after the client's answer; the server's wait for one is %v", took, closeWait)
					}
				})
			}
		}
	})
}
