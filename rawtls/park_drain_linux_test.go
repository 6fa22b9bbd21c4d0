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
	srv  *Server
	once sync.Once
	hit  atomic.Bool
}

func (p *drainingPool) Get() any {
	buf := make([]byte, 8<<10)
	if strings.Contains(string(buf[:runtime.Stack(buf, false)]), "rawtls.(*Conn).echoReady") {
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
func TestDrainDuringServedInputCloses(t *testing.T) {
	t.Parallel()
	srv := &Server{DrainQuiet: 100 * time.Millisecond}
	pool := &drainingPool{Pool: sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}, srv: srv}
	srv.Handler = echo(pool)
	c := serveDial(t, srv, 5*time.Second)
	// The message must meet the echo's wait: sent with the handshake's
	// last flight, crypto/tls could hold it, and the echo would read it
	// outside the wait.
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !parkedIn("rawtls.(*Conn).runQuiet("); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the echo does not wait for the first message")
		}
	}
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
