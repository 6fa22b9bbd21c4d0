package ws

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// lastWordConn is a stallConn that, once armed, lets one more write
// through (a close frame), notes when it went out, and stalls every write
// after it: a client that takes the close frame and then nothing more.
type lastWordConn struct {
	*stallConn
	armed atomic.Bool
	sent  chan time.Time // the armed write's time
}

func (c *lastWordConn) Write(p []byte) (int, error) {
	if !c.armed.CompareAndSwap(true, false) {
		return c.stallConn.Write(p)
	}
	n, err := c.stallConn.Write(p)
	c.Stall()
	c.sent <- time.Now()
	return n, err
}

// TestCloseBoundedWhenClientStopsReading: a close the server sends or
// answers, after which the client takes nothing more, ends with the
// socket closed within dropWait of the close frame's write (the client's
// own answer, where one is awaited, coming at once), not after the 5 s
// crypto/tls gives the close_notify that tls.Conn.Close sends.
func TestCloseBoundedWhenClientStopsReading(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tc := range []struct {
			name string
			srv  *Server
			// start makes the server write its close frame.
			start func(rc *rawConn)
			// answer is true when the client answers the server's close.
			answer bool
			code   int
		}{
			{
				name:  "idle timeout",
				srv:   &Server{IdleTimeout: time.Second, PingInterval: time.Minute},
				start: func(*rawConn) {},
				code:  websocket.CloseNormalClosure,
			},
			{
				name: "answer to the client's close",
				srv:  &Server{IdleTimeout: time.Minute, PingInterval: time.Minute},
				start: func(rc *rawConn) {
					rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseNormalClosure, "")})
				},
				code: websocket.CloseNormalClosure,
			},
			{
				name: "1007 answered by the client",
				srv:  &Server{IdleTimeout: time.Minute, PingInterval: time.Minute},
				start: func(rc *rawConn) {
					rc.write(frame{fin: true, op: opText, payload: []byte{0xff}})
				},
				answer: true,
				code:   websocket.CloseInvalidFramePayloadData,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				var sock atomic.Pointer[lastWordConn]
				ts := serve(t, tc.srv, func(nc net.Conn) net.Conn {
					c := &lastWordConn{stallConn: newStallConn(nc), sent: make(chan time.Time, 1)}
					sock.Store(c)
					return c
				})
				rc, _ := ts.dialRaw(t, nil)
				sc := sock.Load()
				sc.armed.Store(true)
				tc.start(rc)
				var at time.Time
				select {
				case at = <-sc.sent:
				case <-time.After(2 * ioWait):
					t.Fatal("the server sent no close frame")
				}
				rc.conn.SetDeadline(time.Now().Add(ioWait))
				if code, reason := rc.readClose(); code != tc.code {
					t.Fatalf("close %d %q, want %d", code, reason, tc.code)
				}
				if tc.answer {
					rc.write(frame{fin: true, op: opClose, payload: closePayload(tc.code, "")})
				}
				select {
				case <-sc.Closed():
					took := time.Since(at)
					t.Logf("socket closed %v after the close frame", took.Round(time.Millisecond))
					// Room for a loaded machine, below crypto/tls's 5 s.
					if took > dropWait+2*time.Second {
						t.Errorf("socket closed %v after the close frame, want within %v and some room", took.Round(time.Millisecond), dropWait)
					}
				case <-time.After(2 * ioWait):
					t.Fatalf("socket still open %v after the close frame", 2*ioWait)
				}
				endedByServer(t, rc)
			})
		}
	})
}
