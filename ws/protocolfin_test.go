package ws

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
)

// protocolFINTests are protocol violations longer than gorilla's 128-byte
// read buffer (readBufferSize): gorilla refuses each at its header, and
// the rest of the frame lies unread in the socket when the server closes.
// The last is longer than a TLS record, so over wss too the rest lies in
// the socket, not in crypto/tls.
var protocolFINTests = []struct {
	name string
	bad  frame
}{
	{"ping of 126 bytes", frame{fin: true, op: opPing, payload: filler(126)}},
	{"pong of 200 bytes", frame{fin: true, op: opPong, payload: filler(200)}},
	{"close of 126 bytes", frame{fin: true, op: opClose, payload: closePayload(websocket.CloseNormalClosure, string(filler(124)))}},
	{"opcode 3", frame{fin: true, op: 3, payload: filler(200)}},
	{"unmasked", frame{fin: true, op: opBinary, payload: filler(200), unmasked: true}},
	{"RSV2", frame{fin: true, rsv: rsv2, op: opBinary, payload: filler(200)}},
	{"continuation without start", frame{fin: true, op: opCont, payload: filler(200)}},
	{"unmasked, over a TLS record", frame{fin: true, op: opBinary, payload: filler(20 << 10), unmasked: true}},
}

// pipelined is how many good messages go before the bad frame, in the
// same write.
const pipelined = 30

// filler is n bytes of payload.
func filler(n int) []byte { return bytes.Repeat([]byte{'x'}, n) }

// TestProtocolErrorEndsWithFIN: a protocol violation the server reads
// only the start of, sent behind pipelined messages, gets every echo,
// then close 1002, then the end of the stream: a FIN (and over TLS a
// close_notify), not a reset. Closing with the rest of the frame unread
// reset the connection on the plain HTTP listener, and the reset dropped
// the echoes and the close frame the client had not read yet (RFC 6455
// sections 7.1.1 and 7.1.7).
func TestProtocolErrorEndsWithFIN(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		for _, tt := range protocolFINTests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				rc, _ := ts.dialRaw(t, nil)
				frames := make([]frame, 0, pipelined+1)
				for i := range pipelined {
					frames = append(frames, frame{fin: true, op: opText, payload: fmt.Appendf(nil, "message %d", i)})
				}
				rc.write(append(frames, tt.bad)...)
				for i, f := range frames {
					op, _, got := rc.readMessage()
					if op != opText || !bytes.Equal(got, f.payload) {
						t.Fatalf("echo %d: op %#x %q, want op %#x %q", i, op, got, opText, f.payload)
					}
				}
				if code, reason := rc.readClose(); code != websocket.CloseProtocolError {
					t.Fatalf("close %d %q, want %d", code, reason, websocket.CloseProtocolError)
				}
				if tt.bad.op != opClose {
					// Answered as a client should. One whose bad frame
					// was a close has sent its close already, and sends
					// nothing more (section 5.5.1).
					rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseProtocolError, "")})
				}
				rc.expectEOF()
			})
		}
	})
}
