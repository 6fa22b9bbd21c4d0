package ws

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// blastOver is how far past the limit the blast client's message runs:
// many times what the socket buffers of both ends hold (blastBuffer), so
// the server must go on reading after its 1009 for the client's write to
// end. The discard's bound in time (closeWait, 2 s) is
// TestMessageLimitFirehose's; here the server gives the discard as long
// as the client has to send (refusedWait): a loaded two-core machine
// under -race has taken longer than 2 s to send even 1 MiB over TLS, and
// the server rightly closed on the rest of the blast.
const blastOver = 1 << 20

// blastBuffer is the send buffer of the blast client's socket and the
// receive buffer of the server's (the kernel doubles each): fixed, so
// that blastOver is sure to outgrow them.
const blastBuffer = 32 << 10

// TestMessageLimitBlast: a gorilla client that writes one message far
// past the limit as fast as it can, then reads, gets the 1009 close frame
// and then a FIN (close_notify first over TLS), every time. The server
// used to read at most the limit and 64 KiB more after its close, for
// half a second, and then close with the rest unread: a reset, which
// more often than not failed the client's write and could drop the close
// frame before the client read it.
func TestMessageLimitBlast(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		const limit = 64 << 10
		msg := binaryOfSize(limit + blastOver)
		closed := make(chan int, 1)
		ts := serve(t, &Server{MaxMessageBytes: limit, refusedWait: messageWait(len(msg)), Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}},
			func(c net.Conn) net.Conn {
				if err := c.(*net.TCPConn).SetReadBuffer(blastBuffer); err != nil {
					t.Errorf("server socket's receive buffer: %v", err)
				}
				return c
			})
		d := ts.dialer()
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: ioWait}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return c, c.(*net.TCPConn).SetWriteBuffer(blastBuffer)
		}
		for i := range 3 {
			c, _ := ts.dial(t, d, nil)
			c.SetWriteDeadline(timeIn(messageWait(len(msg))))
			if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
				t.Fatalf("run %d: the blast's write failed: %v", i, err)
			}
			c.SetReadDeadline(timeIn(ioWait))
			_, _, err := c.ReadMessage()
			wantCloseError(t, err, websocket.CloseMessageTooBig)
			// gorilla has answered the close; the server ends the
			// connection in order.
			nc := c.NetConn()
			nc.SetReadDeadline(timeIn(ioWait))
			err = nil
			for err == nil {
				_, err = nc.Read(make([]byte, 4<<10))
			}
			if !errors.Is(err, io.EOF) {
				t.Fatalf("run %d: after the 1009 the connection ended with %v, want a FIN", i, err)
			}
			c.Close()
			if code := <-closed; code != websocket.CloseMessageTooBig {
				t.Fatalf("run %d: close code %d counted, want %d", i, code, websocket.CloseMessageTooBig)
			}
		}
	})
}

// firehoseBound is how soon after a client starts a message without end
// past the limit its connection must be gone: the discard's closeWait,
// close_notify's dropWait, and room for a loaded machine.
const firehoseBound = closeWait + dropWait + 3*time.Second

// TestMessageLimitFirehose: a client that never stops sending past the
// limit holds its connection, and the server's goroutine, no longer than
// the discard after the 1009 allows: the discard that lets a blast client
// finish its message is bounded in bytes (a fast sender) and in time (a
// slow one, which stays below the bytes' bound).
func TestMessageLimitFirehose(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tc := range []struct {
			name  string
			every time.Duration // between 16 KiB writes; 0: as fast as it can
		}{
			{name: "fast"},
			{name: "1 MiB a second", every: 16 * time.Millisecond},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				const limit = 64 << 10
				closed := make(chan int, 1)
				ts := serve(t, &Server{MaxMessageBytes: limit, Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}, nil)
				rc, _ := ts.dialRaw(t, nil)
				// A masked binary frame of 2^40 bytes: more than any discard.
				hdr := []byte{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}
				binary.BigEndian.PutUint64(hdr[2:10], 1<<40)
				wrote := make(chan error, 1)
				start := time.Now()
				go func() {
					rc.conn.SetWriteDeadline(timeIn(firehoseBound + ioWait))
					_, err := rc.conn.Write(hdr)
					chunk := make([]byte, 16<<10)
					var tick <-chan time.Time
					if tc.every > 0 {
						tk := time.NewTicker(tc.every)
						defer tk.Stop()
						tick = tk.C
					}
					for err == nil {
						if tick != nil {
							<-tick
						}
						_, err = rc.conn.Write(chunk)
					}
					wrote <- err
				}()
				select {
				case code := <-closed:
					took := time.Since(start)
					t.Logf("closed after %v of sending", took.Round(time.Millisecond))
					if took > firehoseBound {
						t.Errorf("closed after %v of sending, want within %v", took.Round(time.Millisecond), firehoseBound)
					}
					if code != websocket.CloseMessageTooBig {
						t.Errorf("close code %d counted, want %d", code, websocket.CloseMessageTooBig)
					}
				case <-time.After(firehoseBound + ioWait):
					t.Fatalf("still open after %v of sending", firehoseBound+ioWait)
				}
				if err := <-wrote; isTimeoutErr(err) {
					t.Errorf("the client's writes ended with %v, not the server's close", err)
				}
			})
		}
	})
}

// isTimeoutErr reports whether err is a deadline's.
func isTimeoutErr(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
