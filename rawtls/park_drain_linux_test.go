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

// drainingPool starts the server's drain from inside the echo's wait, as
// the echo takes a buffer to serve the input the wait found: the moment
// Shutdown meets a client that is sending.
type drainingPool struct {
	sync.Pool
	srv   *Server
	once  sync.Once
	armed atomic.Bool
	hit   atomic.Bool
}

func (p *drainingPool) Get() any {
	buf := make([]byte, 8<<10)
	if p.armed.Load() && strings.Contains(string(buf[:runtime.Stack(buf, false)]), "rawtls.(*Conn).echoReady") {
		p.once.Do(func() {
			p.srv.startDrain()
			p.hit.Store(true)
		})
	}
	return p.Pool.Get()
}

// TestDrainDuringServedInputCloses: a connection whose input is being
// echoed inside the wait as Shutdown begins is drained, echoed and closed
// with close_notify once quiet for DrainQuiet, not parked until the
// shutdown's time is up.
//
// The message must meet the echo's wait, not a parked connection's
// wake-up (whose read is outside the wait): it is sent during the grace
// after a first echo, made long here so that a loaded machine cannot
// pass it. A wait right after the handshake would end, and park, a
// second later.
func TestDrainDuringServedInputCloses(t *testing.T) {
	t.Parallel()
	srv := &Server{DrainQuiet: 100 * time.Millisecond, grace: time.Minute}
	pool := &drainingPool{Pool: sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}, srv: srv}
	srv.Handler = echo(pool)
	c := serveDial(t, srv, 30*time.Second)
	echoOnce(t, c, []byte("first, for the grace after it"))
	waitGrace(t)
	pool.armed.Store(true)
	msg := []byte("sent as the drain begins")
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, msg); err != nil {
		t.Fatalf("echo: %v", err)
	}
	if !pool.hit.Load() {
		t.Fatal("the drain did not begin inside the echo's wait")
	}
	// Quiet from now: the drain ends the connection after DrainQuiet.
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read after the echo, draining: %d, %v; want the close_notify", n, err)
	}
}
