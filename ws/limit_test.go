package ws

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"
)

// TestMessageLimitFrames sends messages at and just over the limit as raw
// frames, whole and in fragments: the limit counts the message, not the
// frame.
func TestMessageLimitFrames(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const limit = 1000
		tests := []struct {
			name   string
			frames []frame
			close  int // 0: echoed
		}{
			{"exactly the limit, one frame", []frame{{fin: true, op: opBinary, payload: binaryOfSize(limit)}}, 0},
			{"exactly the limit, text", []frame{{fin: true, op: opText, payload: textOfSize(limit)}}, 0},
			{"exactly the limit, fragments", []frame{
				{op: opBinary, payload: binaryOfSize(400)},
				{op: opCont, payload: binaryOfSize(400)},
				{fin: true, op: opCont, payload: binaryOfSize(200)},
			}, 0},
			{"one more, one frame", []frame{{fin: true, op: opBinary, payload: binaryOfSize(limit + 1)}}, websocket.CloseMessageTooBig},
			{"one more, text", []frame{{fin: true, op: opText, payload: textOfSize(limit + 1)}}, websocket.CloseMessageTooBig},
			{"one more, summed over fragments", []frame{
				{op: opBinary, payload: binaryOfSize(400)},
				{op: opCont, payload: binaryOfSize(400)},
				{fin: true, op: opCont, payload: binaryOfSize(201)},
			}, websocket.CloseMessageTooBig},
			{"one more, last fragment empty", []frame{
				{op: opText, payload: textOfSize(limit + 1)},
				{fin: true, op: opCont},
			}, websocket.CloseMessageTooBig},
		}
		ts := serve(t, &Server{MaxMessageBytes: limit}, nil)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rc, _ := ts.dialRaw(t, nil)
				if rc.expectEchoOrClose(tt.frames, tt.close) {
					return
				}
				// The connection is still good after a message at the limit.
				rc.write(frame{fin: true, op: opText, payload: []byte("next")})
				if _, _, got := rc.readMessage(); string(got) != "next" {
					t.Fatalf("next echo %q", got)
				}
			})
		}
	})
}

// TestMessageLimitGorilla checks the limit with a library client, at a
// small limit and at the default; with compression the limit applies to
// the inflated message, so a small frame that inflates past it is refused.
func TestMessageLimitGorilla(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		tests := []struct {
			limit    int64 // Server.MaxMessageBytes
			compress bool
			size     int
			zeros    bool // a message of zero bytes, which deflates to almost nothing
			random   bool // random bytes, which deflate to a little more than they are
			close    int  // 0: echoed
		}{
			{limit: 1000, size: 1000},
			{limit: 1000, size: 1001, close: websocket.CloseMessageTooBig},
			{limit: 0, size: DefaultMaxMessageBytes},
			{limit: 0, size: DefaultMaxMessageBytes + 1, close: websocket.CloseMessageTooBig},
			{limit: 1000, compress: true, size: 1000, zeros: true},
			{limit: 1000, compress: true, size: 1001, zeros: true, close: websocket.CloseMessageTooBig},
			{limit: 0, compress: true, size: DefaultMaxMessageBytes, zeros: true},
			{limit: 0, compress: true, size: 2 * DefaultMaxMessageBytes, zeros: true, close: websocket.CloseMessageTooBig},
			{limit: 1000, compress: true, size: 1000, random: true},
			{limit: 1000, compress: true, size: 1001, random: true, close: websocket.CloseMessageTooBig},
			{limit: 0, compress: true, size: DefaultMaxMessageBytes, random: true},
		}
		for _, tt := range tests {
			name := fmt.Sprintf("limit=%d/compress=%v/size=%d/random=%v", tt.limit, tt.compress, tt.size, tt.random)
			t.Run(name, func(t *testing.T) {
				ts := serve(t, &Server{MaxMessageBytes: tt.limit, Compression: tt.compress}, nil)
				d := ts.dialer()
				d.EnableCompression = tt.compress
				c, resp := ts.dial(t, d, nil)
				if negotiated := resp.Header.Get("Sec-WebSocket-Extensions") != ""; negotiated != tt.compress {
					t.Fatalf("compression negotiated: %v, want %v", negotiated, tt.compress)
				}
				msg := make([]byte, tt.size)
				switch {
				case tt.random:
					rand.Read(msg)
				case !tt.zeros:
					msg = binaryOfSize(tt.size)
				}
				c.SetWriteDeadline(timeIn(messageWait(len(msg))))
				if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
					t.Fatal(err)
				}
				c.SetReadDeadline(timeIn(messageWait(len(msg))))
				_, got, err := c.ReadMessage()
				if tt.close != 0 {
					wantCloseError(t, err, tt.close)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("echo of %d bytes differs (got %d)", len(msg), len(got))
				}
			})
		}
	})
}

// TestMessageLimitOneHugeFrame sends one frame just over the default limit
// while reading: the server refuses it from the header, and the client must
// still receive the 1009 although it is still sending the payload.
func TestMessageLimitOneHugeFrame(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{}, nil)
		rc, _ := ts.dialRaw(t, nil)
		buf := frame{fin: true, op: opBinary, payload: binaryOfSize(DefaultMaxMessageBytes + 1)}.encode()
		done := make(chan error, 1)
		go func() {
			rc.conn.SetWriteDeadline(timeIn(ioWait))
			_, err := rc.conn.Write(buf)
			done <- err
		}()
		code, _ := rc.readClose()
		<-done // the write may fail: the server has stopped reading
		if code != websocket.CloseMessageTooBig {
			t.Fatalf("close %d, want %d", code, websocket.CloseMessageTooBig)
		}
		rc.expectEnd()
	})
}
