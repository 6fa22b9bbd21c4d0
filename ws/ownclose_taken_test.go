package ws

import (
	"net/http"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestOwnProtocolCloseNotTaken: a 1002 the server writes itself (not
// gorilla), for a payload length with its top bit set, a close frame
// with a 1-byte payload or RSV1 on a control frame, waits for a client
// that takes nothing no longer than any close the server starts
// (listener.TakeWait): its socket is closed then, and it counts as 0,
// for the client was told nothing. Such a 1002 used to wait out the
// 10 s write bound, and then, for the top bit, the 2 s discard; the
// 1-byte close, whose answer never went out, counted as 1005.
func TestOwnProtocolCloseNotTaken(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tc := range []struct {
			name     string
			compress bool
			raw      []byte
		}{
			{name: "payload length with its top bit set", raw: []byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}},
			{name: "close with a 1-byte payload", raw: frame{fin: true, op: opClose, payload: []byte{3}}.encode()},
			{name: "RSV1 on a ping", compress: true, raw: frame{fin: true, rsv: rsv1, op: opPing, payload: []byte("x")}.encode()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				closed := make(chan int, 1)
				ts, sock := stallServer(t, serve, &Server{
					MaxMessageBytes: 16,
					Compression:     tc.compress,
					// Far beyond the bounds below: only the violation may
					// end the connection.
					IdleTimeout: time.Minute,
					Hooks:       &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }},
				})
				var h http.Header
				if tc.compress {
					h = http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}
				}
				rc, _ := ts.dialRaw(t, h)
				sock.Load().Stall()
				start := time.Now()
				if _, err := rc.conn.Write(tc.raw); err != nil {
					t.Fatal(err)
				}
				// TakeWait and its look, with room for a loaded machine,
				// and short of the write bound.
				const bound = writeWait - time.Second
				select {
				case code := <-closed:
					if took := time.Since(start); took > bound {
						t.Errorf("closed %v after the violation, want within %v (TakeWait %v)", took.Round(time.Millisecond), bound, listener.TakeWait)
					}
					if code != 0 {
						t.Errorf("close code %d counted, want 0: the client took none of the 1002", code)
					}
				case <-time.After(writeWait + 2*ioWait):
					t.Fatal("not closed after the violation")
				}
				endedByServer(t, rc)
			})
		}
	})
}
