package listener_test

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestStopWritesCutsWriteInProgress: StopWrites ends a write already
// waiting for a client that takes nothing more, not only the writes after
// it: blackhole's silence starts when the verb takes effect, not once the
// echo's write in progress is done.
func TestStopWritesCutsWriteInProgress(t *testing.T) {
	t.Parallel()
	l := listen(t, listener.Options{HandshakeTimeout: ioTimeout})
	got := acceptAll(t, l)
	client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	a := next(t, got)
	if a.err != nil {
		t.Fatal(a.err)
	}
	c := a.c.(*listener.Conn)
	const size = 64 << 20 // more than both sockets' buffers hold
	type result struct {
		n   int
		err error
	}
	wrote := make(chan result, 1)
	go func() {
		n, err := c.Write(make([]byte, size))
		wrote <- result{n, err}
	}()
	// A byte of it arrived: the write is in progress.
	client.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := io.ReadFull(client, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	c.StopWrites()
	select {
	case r := <-wrote:
		if !errors.Is(r.err, os.ErrDeadlineExceeded) || r.n >= size {
			t.Fatalf("the write in progress returned %d, %v; want it cut by its deadline", r.n, r.err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("StopWrites left a write in progress waiting for a client that takes nothing")
	}
	if n, err := c.Write([]byte("x")); n != 0 || err == nil {
		t.Fatalf("a write after StopWrites sent %d bytes, %v", n, err)
	}
}
