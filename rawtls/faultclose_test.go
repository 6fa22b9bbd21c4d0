package rawtls_test

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestCloseFaultBoundedWhenClientStopsReading: the close fault sends
// close_notify, which cannot go out to a client that takes nothing more.
// crypto/tls gives it a write deadline of its own, 5 s, which would hold
// the goroutine, the socket and the connection's slot; the socket is
// closed within listener.LingerWait of the fault taking effect instead,
// as the server's own close is.
func TestCloseFaultBoundedWhenClientStopsReading(t *testing.T) {
	t.Parallel()
	spec, err := fault.Parse("close@5")
	if err != nil {
		t.Fatal(err)
	}
	var sock atomic.Pointer[stallSocket]
	applied := make(chan time.Time, 1)
	inj, err := fault.New(fault.Options{Default: spec, Applied: func(string) {
		// The echo has been written: the close_notify that follows meets
		// a client that takes nothing more.
		sock.Load().stall()
		applied <- time.Now()
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts, sockets := startStallServerWith(t, &rawtls.Server{IdleTimeout: time.Minute, Faults: inj}, listener.Options{Faults: inj})
	c := ts.mustDial(t, ts.clientConfig())
	sock.Store(<-sockets)
	if err := echo(c, []byte("hello")); err != nil {
		t.Fatal(err)
	}

	var at time.Time
	select {
	case at = <-applied:
	case <-time.After(ioTimeout):
		t.Fatal("the close fault did not take effect")
	}
	select {
	case <-sock.Load().closed():
		took := time.Since(at)
		t.Logf("socket closed %v after the close fault took effect", took.Round(time.Millisecond))
		// Room for a loaded machine, below crypto/tls's 5 s.
		if took > listener.LingerWait+2*time.Second {
			t.Errorf("socket closed %v after the close fault took effect, want within %v and some room",
				took.Round(time.Millisecond), listener.LingerWait)
		}
	case <-time.After(ioTimeout):
		t.Fatalf("socket still open %v after the close fault took effect", ioTimeout)
	}
	// The client sees the end, not a connection held open.
	c.SetReadDeadline(time.Now().Add(ioTimeout))
	var ne net.Error
	if _, err := io.ReadAll(c); errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("client still connected %v after the close", ioTimeout)
	}
}
