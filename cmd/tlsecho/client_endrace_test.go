package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// serveWSStreamPastClose runs a wss server that reads messages until the
// client's close, which it does not answer, then echoes them and sends
// messages of past without end: the wss form of a server streaming on
// past the echo.
func serveWSStreamPastClose(t *testing.T, past []byte) string {
	t.Helper()
	return serveWS(t, hostileCert(t), func(ws *websocket.Conn) {
		ws.SetCloseHandler(func(int, string) error { return nil })
		var got [][]byte
		for {
			_, m, err := ws.ReadMessage()
			if err != nil {
				break
			}
			got = append(got, m)
		}
		ws.SetWriteDeadline(time.Now().Add(ioWait))
		for _, m := range got {
			if ws.WriteMessage(websocket.TextMessage, m) != nil {
				return
			}
		}
		for ws.WriteMessage(websocket.TextMessage, past) == nil {
		}
	})
}

// TestClientEndRace: the server's answer to the end of standard input can
// come before the client has begun its wait for the echo. What comes
// past the echo then is not printed as the session's output: the run
// fails as one whose server sent more than the echo. The hook holds the
// client between sending its end of input and that wait until the
// reader has taken what the server sent past the echo (printing it, as
// it did, or ending at it).
func TestClientEndRace(t *testing.T) {
	t.Parallel()
	streamer := serveStreamPastEcho(t)
	tests := []struct{ name, url, stderr string }{
		{"tls", "tls://" + streamer, "differs after the end of input: sent 6 bytes, got more"},
		{"wss", serveWSStreamPastClose(t, []byte("ZZZZ")), "differs after the end of input: sent 1 message of 5 bytes in all, got more"},
		// Messages of no bytes: only their count tells them from the echo.
		{"wss empty", serveWSStreamPastClose(t, nil), "differs after the end of input: sent 1 message of 5 bytes in all, got more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseClientArgs([]string{"-insecure", "-timeout", "5s", tt.url})
			if err != nil {
				t.Fatal(err)
			}
			var out, errb testlog.Buffer
			past := &pastEcho{w: &out, seen: make(chan struct{})}
			held := make(chan string, 1)
			c := &client{o: o, stdout: past, stderr: &errb, endSentHook: func(readerGone <-chan struct{}) {
				select {
				case <-past.seen:
					held <- "the reader printed what came past the echo"
				case <-readerGone:
					held <- "the reader ended"
				case <-time.After(ioWait):
					held <- "neither came"
				}
			}}
			err = c.run(context.Background(), strings.NewReader("hello\n"))
			why := <-held
			if err == nil || !strings.Contains(err.Error(), tt.stderr) {
				t.Errorf("%s; error %v, want %q", why, err, tt.stderr)
			}
			if i := strings.Index(out.String(), "Z"); i >= 0 {
				t.Errorf("%s; stdout has what came past the echo: %q", why, out.String()[max(0, i-20):min(len(out.String()), i+20)])
			}
			if !strings.HasSuffix(out.String(), "hello\n") {
				t.Errorf("%s; stdout ends %q, want the echo", why, out.String()[max(0, len(out.String())-40):])
			}
		})
	}
}

// pastEcho writes to w and closes seen once a Z is written: the client
// printed what came past the echo.
type pastEcho struct {
	w    io.Writer
	seen chan struct{}
	once sync.Once
}

func (p *pastEcho) Write(b []byte) (int, error) {
	if bytes.IndexByte(b, 'Z') >= 0 {
		p.once.Do(func() { close(p.seen) })
	}
	return p.w.Write(b)
}
