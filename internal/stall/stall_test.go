package stall

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// wait bounds each wait of these tests, with room for a loaded machine.
const wait = 10 * time.Second

// sink counts what reaches the socket.
type sink struct{ writes int }

func (s *sink) write(p []byte) (int, error) { s.writes++; return len(p), nil }

func TestPickedWritesStallOthersPass(t *testing.T) {
	w := New(func(p []byte) bool { return p[0] == 'x' })
	var s sink
	if n, err := w.Write([]byte("abc"), s.write); n != 3 || err != nil || s.writes != 1 {
		t.Fatalf("unpicked write: %d, %v, %d writes; want 3, nil, 1", n, err, s.writes)
	}
	done := make(chan error, 1)
	go func() { _, err := w.Write([]byte("xyz"), s.write); done <- err }()
	select {
	case <-w.Blocked():
	case <-time.After(wait):
		t.Fatal("the picked write did not stall")
	}
	// A deadline set while the write stalls ends it.
	w.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("stalled write ended with %v, want a deadline error", err)
		}
	case <-time.After(wait):
		t.Fatal("the stalled write outlived its deadline")
	}
	if s.writes != 1 {
		t.Errorf("a stalled write reached the socket")
	}
}

func TestStallEndsAtClose(t *testing.T) {
	w := New(nil)
	var s sink
	w.Stall()
	done := make(chan error, 1)
	go func() { _, err := w.Write([]byte("abc"), s.write); done <- err }()
	<-w.Blocked()
	select {
	case <-w.Closed():
		t.Fatal("Closed before Close")
	default:
	}
	w.Close()
	w.Close() // a second Close is harmless
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("stalled write ended with %v, want net.ErrClosed", err)
		}
	case <-time.After(wait):
		t.Fatal("the stalled write outlived the socket")
	}
	<-w.Closed()
	// A deadline already past fails a write at once.
	w = New(nil)
	w.Stall()
	w.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := w.Write([]byte("abc"), s.write); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write past its deadline: %v, want a deadline error", err)
	}
}
