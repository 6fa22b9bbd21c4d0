//go:build unix

package rawtls

import (
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingPool counts the buffers taken and not given back.
type countingPool struct {
	sync.Pool
	out atomic.Int64
}

func (p *countingPool) Get() any  { p.out.Add(1); return p.Pool.Get() }
func (p *countingPool) Put(x any) { p.out.Add(-1); p.Pool.Put(x) }

// TestIdleHoldsNoBuffer: between messages the echo waits for the socket
// holding no buffer; one is taken only while input is read and echoed.
func TestIdleHoldsNoBuffer(t *testing.T) {
	pool := &countingPool{Pool: sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}}
	srv := &Server{Handler: echo(pool)}
	c := serveDial(t, srv, 10*time.Second)
	for _, size := range []int{64, 4096, 20000} {
		msg := make([]byte, size)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			t.Fatal(err)
		}
		// The connection goes idle: it waits for the socket, parked with
		// no goroutine or its goroutine in the poller, and by then has
		// given its buffer back.
		deadline := time.Now().Add(10 * time.Second)
		for !srv.anyParked() && !parkedIn("rawtls.(*Conn).awaitInput") {
			if time.Now().After(deadline) {
				t.Fatalf("after an echo of %d bytes the connection does not wait in awaitInput", size)
			}
			time.Sleep(time.Millisecond)
		}
		if n := pool.out.Load(); n != 0 {
			t.Fatalf("idle after an echo of %d bytes, holding %d buffers", size, n)
		}
	}
}

// anyParked reports whether a connection of s waits with no goroutine.
func (s *Server) anyParked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.lc.Parked() {
			return true
		}
	}
	return false
}

// parkedIn reports whether some goroutine is blocked with fn on its stack.
func parkedIn(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, fn) && strings.Contains(g, "[IO wait") {
			return true
		}
	}
	return false
}
