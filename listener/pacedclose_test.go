package listener_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// TestClosePacedWrite: closing a Conn ends a write that a bw fault's
// pacer holds until its next piece's time (at 1 B/s, 17 minutes away for
// 1 KiB), at once and with nothing sent: a shutdown that closes the
// socket at its deadline does not wait for the piece.
func TestClosePacedWrite(t *testing.T) {
	t.Parallel()
	l := listen(t, listener.Options{})
	accepts := acceptAll(t, l)
	client, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	a := next(t, accepts)
	if a.err != nil {
		t.Fatal(a.err)
	}
	lc := listener.From(a.c)
	lc.Throttle().Set(fault.NewPacer(1))
	done := make(chan error, 1)
	go func() {
		_, err := lc.Write(make([]byte, 1<<10))
		done <- err
	}()
	// Before or while the write waits: either way it must end.
	lc.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("the paced write ended with %v, want %v", err, net.ErrClosed)
		}
	case <-time.After(ioTimeout):
		t.Fatalf("the paced write still waits %v after the Conn's Close", ioTimeout)
	}
	client.SetReadDeadline(time.Now().Add(ioTimeout))
	if n, err := io.Copy(io.Discard, client); n != 0 || err != nil {
		t.Errorf("the client read %d bytes, then %v; want none and the end", n, err)
	}
}
