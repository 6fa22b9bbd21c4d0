package fault

import (
	"errors"
	"net"
	"testing"
	"time"
)

// gateConn is a net.Conn that is no TCP socket (so a pacer judges it by
// its own writes) whose each write waits until the test lets it end.
type gateConn struct {
	net.Conn
	entered chan struct{}
	letGo   chan struct{}
}

func (c *gateConn) Write(p []byte) (int, error) {
	c.entered <- struct{}{}
	<-c.letGo
	return len(p), nil
}

// TestPacerStallRestartsWhenTaken: a client that takes paced bytes, how
// slowly soever, is not stalled: each write that completes restarts the
// count, so a slow reader under bw is not ended as one that stopped.
// And a write that stays blocked is a stall that grows.
func TestPacerStallRestartsWhenTaken(t *testing.T) {
	t.Parallel()
	p := NewPacer(MaxBW)
	c := &gateConn{entered: make(chan struct{}), letGo: make(chan struct{})}
	wrote := make(chan error, 1)
	go func() {
		_, err := p.Write(c, make([]byte, 3*p.piece))
		wrote <- err
	}()
	<-c.entered // the first piece is blocked
	const stall = 50 * time.Millisecond
	for deadline := time.Now().Add(10 * time.Second); p.Stalled() < stall; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a write blocked for 10s is not seen as a stall (Stalled %v)", p.Stalled())
		}
	}
	c.letGo <- struct{}{} // the client took the first piece
	<-c.entered           // and the second one waits for it
	if d := p.Stalled(); d != 0 {
		t.Errorf("Stalled is %v right after the client took a piece, want 0", d)
	}
	c.letGo <- struct{}{}
	<-c.entered
	c.letGo <- struct{}{}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if d := p.Stalled(); d != 0 {
		t.Errorf("Stalled is %v with nothing waiting, want 0", d)
	}
}

// TestPacerClosedWritesNothing: once closed (the echo ended, or fin or
// rst took effect), a pacer writes nothing more, also a piece that is
// due at once.
func TestPacerClosedWritesNothing(t *testing.T) {
	t.Parallel()
	p := NewPacer(MaxBW)
	p.Close()
	c := &recordConn{}
	n, err := p.Write(c, []byte("x"))
	if n != 0 || !errors.Is(err, net.ErrClosed) || len(c.sizes) != 0 {
		t.Errorf("Write after Close = %d, %v, writes %v; want 0, net.ErrClosed, none", n, err, c.sizes)
	}
}

// TestPacerStallCountsFromLastIdleLook: a look that finds nothing
// waiting restarts the count, so an echo that begins after a quiet spell
// is not taken for a client stalled all that while.
func TestPacerStallCountsFromLastIdleLook(t *testing.T) {
	t.Parallel()
	p := NewPacer(MaxBW)
	const quiet = 300 * time.Millisecond
	first := time.Now()
	if d := p.Stalled(); d != 0 {
		t.Fatalf("Stalled is %v before any write, want 0", d)
	}
	for time.Since(first) < quiet {
		time.Sleep(10 * time.Millisecond)
	}
	if d := p.Stalled(); d != 0 {
		t.Fatalf("Stalled is %v with nothing waiting, want 0", d)
	}
	c := &gateConn{entered: make(chan struct{}), letGo: make(chan struct{})}
	wrote := make(chan error, 1)
	go func() {
		_, err := p.Write(c, []byte("echo"))
		wrote <- err
	}()
	<-c.entered
	d := p.Stalled()
	c.letGo <- struct{}{}
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if d >= quiet {
		t.Errorf("Stalled is %v as the first write after %v of quiet begins; the quiet counted as a stall", d, quiet)
	}
}
