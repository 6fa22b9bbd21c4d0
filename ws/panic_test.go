package ws

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestHandlerPanic: a handler that panics on a chosen message ends that
// connection only. Its goroutine is outside net/http's recovery, yet the
// process lives on: the client gets close 1011, one error record names
// the peer, and another client is still echoed.
func TestHandlerPanic(t *testing.T) {
	eachTransport(t, func(t *testing.T, serve startFunc) {
		logs := &testlog.Buffer{}
		closed := make(chan int, 2)
		ts := serve(t, &Server{
			Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
			Hooks:  &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }},
			Handler: HandlerFunc(func(c *Conn) error {
				for {
					mt, r, err := c.NextReader()
					if err != nil {
						return err
					}
					msg, err := io.ReadAll(r)
					if err != nil {
						return err
					}
					if string(msg) == "panic" {
						panic("handler fails on purpose")
					}
					w, err := c.NextWriter(mt)
					if err != nil {
						return err
					}
					w.Write(msg)
					if err := w.Close(); err != nil {
						return err
					}
				}
			}),
		}, nil)
		other, _ := ts.dial(t, nil, nil)
		echo(t, other, websocket.TextMessage, []byte("before"))
		victim, _ := ts.dial(t, nil, nil)
		echo(t, victim, websocket.TextMessage, []byte("first"))
		victim.SetWriteDeadline(time.Now().Add(ioWait))
		if err := victim.WriteMessage(websocket.TextMessage, []byte("panic")); err != nil {
			t.Fatal(err)
		}
		victim.SetReadDeadline(time.Now().Add(ioWait))
		_, _, err := victim.ReadMessage()
		wantCloseError(t, err, websocket.CloseInternalServerErr)
		// The client answers the close, as gorilla does; the server then ends
		// the connection and counts its code.
		select {
		case code := <-closed:
			if code != websocket.CloseInternalServerErr {
				t.Errorf("Closed hook saw code %d, want 1011", code)
			}
		case <-time.After(ioWait):
			t.Fatal("the panicked connection did not end")
		}
		echo(t, other, websocket.TextMessage, []byte("after"))

		recs := logs.Records(t, "websocket handler panicked; connection closed with 1011")
		if len(recs) != 1 || strings.Count(logs.String(), `"level":"ERROR"`) != 1 {
			t.Fatalf("want exactly one error record, for the panic:\n%s", logs.String())
		}
		r := recs[0]
		stack, _ := r["stack"].(string)
		if r["level"] != "ERROR" || r["peer"] != victim.LocalAddr().String() || r["panic"] != "handler fails on purpose" ||
			!strings.Contains(stack, "panic_test.go") {
			t.Errorf("panic record %v; want level ERROR, peer %s, the panic value and a stack through the handler", r, victim.LocalAddr())
		}
	})
}
