package ws

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// dropWordsTests end a connection by each of the server's own rules of
// liveness, which the close code alone does not tell apart.
var dropWordsTests = []struct {
	name       string
	idle, ping time.Duration
	// client runs the client of the test on rc, after one echo.
	client func(rc *rawConn)
	// holdUntil, when set, makes a condition for each run that holds
	// the keepalive's looks off after the echo until it reports true of
	// the connection.
	holdUntil func() func(c *Conn) bool
	want      string
}{
	{
		name: "idle",
		idle: 300 * time.Millisecond, ping: time.Minute,
		client: func(*rawConn) {},
		want:   "idle timeout: the client sent nothing for 300ms: ",
	},
	{
		// Pings go unanswered: the client reads nothing.
		name: "dead",
		idle: time.Minute, ping: 200 * time.Millisecond,
		client: func(*rawConn) {},
		want:   "no pong within 200ms: ",
	},
	{
		// Messages come, echoes are not taken.
		name: "stuck",
		idle: 500 * time.Millisecond, ping: time.Minute,
		client: func(rc *rawConn) {
			msg := frame{fin: true, op: websocket.BinaryMessage, payload: make([]byte, 256<<10)}
			go func() {
				for {
					rc.conn.SetWriteDeadline(time.Now().Add(ioWait))
					if _, err := rc.conn.Write(msg.encode()); err != nil {
						return
					}
				}
			}()
		},
		// Until an echo's write waits for the client, a client slow to
		// start sending, or a server slow to read the next message
		// after a write that went out, would be idle.
		holdUntil: writeWaits,
		want:      "the client took none of a write for 500ms: ",
	},
}

// TestDropWordsLogged: the debug line of a connection the server dropped
// by a rule of its own says which rule, as the raw port's line does. It
// said only what the socket said after the drop: "i/o timeout" for a
// client idle for IdleTimeout (closed 1000, the code of a client's own
// normal close) or one that missed its pong (1008), and "use of closed
// network connection" for one that took none of an echo (0), which reads
// as a fault of the server's.
func TestDropWordsLogged(t *testing.T) {
	t.Parallel()
	for _, tc := range dropWordsTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs testlog.Buffer
			closed := make(chan struct{})
			conns := make(chan *Conn, 1)
			s := &Server{
				IdleTimeout:  tc.idle,
				PingInterval: tc.ping,
				Logger:       slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Hooks: &Hooks{
					Opened: func(c *Conn) { conns <- c },
					Closed: func(*Conn) { close(closed) },
				},
			}
			// The keepalive's looks wait until the client is where the
			// rule is to find it: a client slow to send its first
			// message on a loaded machine would be idle, and one slow
			// to start its stuck writes idle too.
			release := holdLooks(s)
			defer release()
			ts := startServer(t, s)
			ts.rawDialer = smallReceiveBuffer(4 << 10)
			rc, _ := ts.dialRaw(t, nil)
			c := <-conns
			rc.write(frame{fin: true, op: websocket.TextMessage, payload: []byte("hello")})
			rc.mustEcho(false)
			tc.client(rc)
			if tc.holdUntil != nil {
				deadline := time.Now().Add(2 * ioWait)
				for until := tc.holdUntil(); !until(c); {
					if time.Now().After(deadline) {
						t.Fatalf("the connection is not where the test looks for its rule after %v (%d writes begun or ended)", 2*ioWait, c.nc.writes.Load())
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			release()
			select {
			case <-closed:
			case <-time.After(2 * ioWait):
				t.Fatalf("connection not dropped within %v", 2*ioWait)
			}
			recs := logs.Records(t, "websocket closed")
			if len(recs) != 1 {
				t.Fatalf("%d records of the end, want 1:\n%s", len(recs), logs.String())
			}
			if got, _ := recs[0]["err"].(string); !strings.HasPrefix(got, tc.want) {
				t.Errorf("the end is logged with err %q, want it to begin %q", got, tc.want)
			}
		})
	}
}

// writeWaits returns a condition that reports true once one write of the
// connection's has been in progress for 200ms: a write the client's full
// window holds, which it never ends, for the client reads nothing.
func writeWaits() func(c *Conn) bool {
	var seen uint64
	var since time.Time
	return func(c *Conn) bool {
		n := c.nc.writes.Load()
		if n&1 == 0 || n != seen {
			seen, since = n, time.Now()
			return false
		}
		return time.Since(since) >= 200*time.Millisecond
	}
}
