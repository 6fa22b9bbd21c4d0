package fault

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/tcpstate"
)

// TestHoldLetGoBefore: a LetGo that comes just before blackhole's hold
// begins (a shutdown letting the silent connection go as the echo's
// goroutine reaches the hold) ends the hold at once. Its read deadline in
// the past came first and the hold's own, a minute away, put it off: the
// shutdown waited out its context for the held socket.
func TestHoldLetGoBefore(t *testing.T) {
	t.Parallel()
	client, server := tcpstate.Pair(t)
	// What LetGo does before the hold: the flag, then the deadline.
	var letGo atomic.Bool
	letGo.Store(true)
	server.SetReadDeadline(time.Now())
	done := make(chan struct{})
	go func() {
		Hold(server, time.Now().Add(time.Minute), &letGo)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		client.Close() // the peer's close ends the hold
		<-done
		t.Fatal("the hold let go 10 s after, not at once")
	}
}
