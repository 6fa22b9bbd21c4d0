package ws

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// TestDropBoundedDuringShutdown: a client dropped for a missed pong has
// its socket closed within two dropWaits of the drop, also when a
// shutdown begins meanwhile. The shutdown's close set the read deadline
// of the close handshake it starts (closeWait from then) over the one
// the drop's discard had set, and the discard, which bounded the close
// only once it had read, waited for it.
func TestDropBoundedDuringShutdown(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		dropped := make(chan struct{}, 1)
		closed := make(chan time.Time, 1)
		s := &Server{
			PingInterval: livePingInterval,
			Logger:       slog.New(&eventHandler{msg: "websocket client dropped", seen: dropped}),
			Hooks:        &Hooks{Closed: func(*Conn) { closed <- time.Now() }},
		}
		ts := serve(t, s, nil)
		// A client that answers nothing and sends nothing: it reads the
		// pings and the close 1008, and never answers the close.
		rc, _ := ts.dialRaw(t, nil)
		rc.wait = 4 * ioWait
		ended := rc.framesUntilEnd()
		var at time.Time
		select {
		case <-dropped:
			at = time.Now()
		case <-time.After(2 * ioWait):
			t.Fatal("not dropped")
		}
		// The drop's discard waits for the client's close from here, for
		// dropWait; the shutdown begins inside that wait.
		time.Sleep(dropWait / 5)
		ctx, cancel := context.WithTimeout(context.Background(), 2*ioWait)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- s.Shutdown(ctx) }()
		select {
		case end := <-closed:
			// Two dropWaits from the drop's start, a moment before its
			// record, and room for the timer and the hook on a loaded
			// machine.
			if took := end.Sub(at); took > 2*dropWait+300*time.Millisecond {
				t.Errorf("socket closed %v after the drop, want at most %v", took.Round(time.Millisecond), 2*dropWait)
			}
		case <-time.After(2 * ioWait):
			t.Fatal("not closed")
		}
		<-ended
		if err := <-shut; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}
