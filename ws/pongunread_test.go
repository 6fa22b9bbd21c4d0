package ws

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// pongUnreadTests are the messages a busy handler has started: a short
// one, whole in what the server read, and one whose frame the server has
// read only the start of (gorilla's 128-byte buffer), the rest waiting
// behind it. Over TLS that rest is partly in crypto/tls's buffer, out of
// the socket's count and not yet seen by the frame watch: the socket then
// holds less than the frame's rest, pong and all.
var pongUnreadTests = []struct {
	name string
	size int
}{
	{"short", 4},
	{"frame partly read", 8 << 10},
}

// TestPongUnreadBehindBusyHandler: a client that answers the keepalive's
// ping while the handler is busy, not reading, has its pong waiting in
// the server's socket. It was dropped as dead at the deadline, an
// interval after the ping; it is alive, and once the handler reads again
// the connection goes on.
func TestPongUnreadBehindBusyHandler(t *testing.T) {
	t.Parallel()
	for _, tt := range pongUnreadTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testPongUnreadBehindBusyHandler(t, tt.size)
		})
	}
}

func testPongUnreadBehindBusyHandler(t *testing.T, size int) {
	held := bytes.Repeat([]byte("h"), size)
	after := []byte("after")
	eachTransport(t, func(t *testing.T, serve startFunc) {
		var logs testlog.Buffer
		release := make(chan struct{})
		var once sync.Once
		let := func() { once.Do(func() { close(release) }) }
		t.Cleanup(let)
		h := busyFirst(release)
		ts := serve(t, &Server{PingInterval: testPingInterval, Handler: h,
			Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil)
		// The message goes out as one frame: gorilla's client otherwise
		// splits it at its 4 KiB buffer.
		d := ts.dialer()
		d.WriteBufferSize = size + 64
		c, _ := ts.dial(t, d, nil)
		pinged := make(chan struct{}, 1)
		c.SetPingHandler(func(data string) error {
			select {
			case pinged <- struct{}{}:
			default:
			}
			return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(ioWait))
		})
		got := make(chan []byte, 2)
		ended := make(chan error, 1)
		go func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					ended <- err
					return
				}
				got <- msg
			}
		}()
		if err := c.WriteMessage(websocket.BinaryMessage, held); err != nil {
			t.Fatal(err)
		}
		select {
		case <-pinged:
		case err := <-ended:
			t.Fatalf("ended before a ping: %v", err)
		case <-time.After(ioWait):
			t.Fatal("no ping")
		}
		// The server sees the pong waiting unread past the ping's
		// deadline, where it used to give the client up: the handler's
		// next read then failed, and the client got close 1008. The
		// deadline is later by the frame's allowance while it arrives.
		deadline := time.Now().Add(2*testPingInterval + time.Duration(size)*time.Second/minFrameRate + ioWait)
		for len(logs.Records(t, "ping's answer may be unread")) == 0 {
			select {
			case err := <-ended:
				t.Fatalf("the client was dropped with its pong unread: %v", err)
			case <-time.After(10 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Errorf("no record of the pong waiting unread")
				break
			}
		}
		let()
		for i, want := range [][]byte{held, after} {
			if i > 0 {
				if err := c.WriteMessage(websocket.BinaryMessage, want); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case msg := <-got:
				if !bytes.Equal(msg, want) {
					t.Fatalf("echo of %d bytes differs from the %d sent", len(msg), len(want))
				}
			case err := <-ended:
				t.Fatalf("ended before the echo of %d bytes: %v", len(want), err)
			case <-time.After(ioWait):
				t.Fatalf("no echo of %d bytes", len(want))
			}
		}
	})
}

// busyFirst is an echo that, having begun to read the first message, is
// busy until release is closed: nothing more is read meanwhile.
func busyFirst(release <-chan struct{}) Handler {
	return HandlerFunc(func(c *Conn) error {
		for first := true; ; first = false {
			mt, r, err := c.NextReader()
			if err != nil {
				return err
			}
			if first {
				<-release
			}
			w, err := c.NextWriter(mt)
			if err != nil {
				return err
			}
			if _, err := io.Copy(w, r); err != nil {
				return err
			}
			if err := w.Close(); err != nil {
				return err
			}
		}
	})
}
