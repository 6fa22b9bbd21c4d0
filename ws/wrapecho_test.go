package ws

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestWrappedEchoRunsOnce: a Handler of the user's that calls Echo's
// ServeWS sees it return once, when the client closes, with the client's
// close, however long the client pauses between messages: it is not called again
// for the same connection. Before, the echo handed each wait on by
// returning an internal error through the user's Handler, which the
// server then ran again for every message.
func TestWrappedEchoRunsOnce(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	errs := make(chan error, 8)
	inner := Echo()
	s, conns := opened(&Server{Handler: HandlerFunc(func(c *Conn) error {
		calls.Add(1)
		err := inner.ServeWS(c)
		errs <- err
		return err
	})})
	ts := startServer(t, s)
	ws, _ := ts.dial(t, nil, nil)
	c := <-conns
	for i := range 3 {
		msg := []byte(fmt.Sprintf("message %d", i))
		if _, got := echo(t, ws, websocket.BinaryMessage, msg); !bytes.Equal(got, msg) {
			t.Fatalf("echo %q, want %q", got, msg)
		}
		// Quiet between messages: the echo waits for the next one.
		waitsOnSocket(t, c)
	}
	ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(ioWait))
	select {
	case err := <-errs:
		if !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Errorf("Echo's ServeWS returned %v to the handler that called it, want the client's close 1000", err)
		}
	case <-time.After(ioWait):
		t.Fatal("Echo's ServeWS did not return after the client's close")
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the handler was called %d times, want once", n)
	}
}
