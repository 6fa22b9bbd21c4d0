package fault

import (
	"io"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/tcpstate"
)

// TestFinishOutlastsAWakeUp: Finish's wait for the client to close in
// turn, discarding what it still sends, is not ended by a read deadline
// another goroutine sets on the socket meanwhile (a shutdown's wake-up of
// every read, raw TLS's among them). It used to be: the socket was closed
// at once, and the client's next bytes were answered with a reset, the
// reset the wait is there to avoid. Closing the socket still ends it.
func TestFinishOutlastsAWakeUp(t *testing.T) {
	t.Parallel()
	client, server := tcpstate.Pair(t)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		Finish(server, time.Minute)
	}()
	client.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read %d bytes, %v; want the FIN", n, err)
	}
	before, _ := tcpstate.Info(server)
	server.SetReadDeadline(time.Now())
	if _, err := client.Write([]byte("sent after the FIN")); err != nil {
		t.Fatal(err)
	}
	switch tcpstate.AwaitRead(server, client, before, 10*time.Second) {
	case tcpstate.ClientReset:
		t.Fatal("the client's connection was reset: the wait ended at the deadline set beside it")
	case tcpstate.ServerClosed:
		t.Fatal("the socket was closed at the deadline set beside the wait")
	case tcpstate.TimedOut:
		t.Fatal("the wait neither read the client's bytes nor closed")
	}
	// Read and discarded: the wait goes on.
	client.Close()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("Finish did not return once the client closed")
	}
}
