package ws

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestPongUnreadBehindBusyHandler: a client that answers the keepalive's
// ping while the handler is busy, not reading, has its pong waiting in
// the server's socket. It was dropped as dead at the deadline, an
// interval after the ping; it is alive, and once the handler reads again
// the connection goes on.
func TestPongUnreadBehindBusyHandler(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		var logs testlog.Buffer
		release := make(chan struct{})
		var once sync.Once
		let := func() { once.Do(func() { close(release) }) }
		t.Cleanup(let)
		h := HandlerFunc(func(c *Conn) error {
			for first := true; ; first = false {
				mt, r, err := c.NextReader()
				if err != nil {
					return err
				}
				if first {
					<-release // busy: nothing is read meanwhile
				}
				w, err := c.NextWriter(mt)
				if err != nil {
					return err
				}
				if _, err := w.(interface {
					ReadFrom(r io.Reader) (int64, error)
				}).ReadFrom(r); err != nil {
					return err
				}
				if err := w.Close(); err != nil {
					return err
				}
			}
		})
		ts := serve(t, &Server{PingInterval: testPingInterval, Handler: h,
			Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil)
		c, _ := ts.dial(t, nil, nil)
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
		if err := c.WriteMessage(websocket.BinaryMessage, []byte("held")); err != nil {
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
		// next read then failed, and the client got close 1008.
		deadline := time.Now().Add(2*testPingInterval + ioWait)
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
		for _, want := range []string{"held", "after"} {
			if want == "after" {
				if err := c.WriteMessage(websocket.BinaryMessage, []byte(want)); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case msg := <-got:
				if string(msg) != want {
					t.Fatalf("echo %q, want %q", msg, want)
				}
			case err := <-ended:
				t.Fatalf("ended before the echo of %q: %v", want, err)
			case <-time.After(ioWait):
				t.Fatalf("no echo of %q", want)
			}
		}
	})
}
