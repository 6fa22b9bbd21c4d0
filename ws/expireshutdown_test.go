package ws

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// deadlineLog is a socket that records the read deadlines set on it
// from when armed.
type deadlineLog struct {
	net.Conn
	mu    sync.Mutex
	armed bool
	set   []time.Time
}

func (d *deadlineLog) SetReadDeadline(t time.Time) error {
	d.mu.Lock()
	if d.armed {
		d.set = append(d.set, t)
	}
	d.mu.Unlock()
	return d.Conn.SetReadDeadline(t)
}

// TestDeadClientAtShutdownNotPutOff: a client the keepalive drops for a
// missed pong just as Shutdown begins is gone within the second the drop
// allows, not held for Shutdown's wait for an answer: Shutdown's close
// set the read deadline of that wait (closeWait ahead) over the
// keepalive's, set to now to wake the reader, and a reader that had not
// met the keepalive's yet slept until closeWait had passed (2.5 s in
// all, where the drop takes at most 1 s; about one such meeting in
// ten). Here the keepalive's verdict comes first, then Shutdown: no
// read deadline later than the drop's may reach the socket after it.
func TestDeadClientAtShutdownNotPutOff(t *testing.T) {
	t.Parallel()
	opened := make(chan *Conn, 1)
	closed := make(chan struct{})
	s := &Server{PingInterval: time.Minute, Hooks: &Hooks{
		Opened: func(c *Conn) { opened <- c },
		Closed: func(*Conn) { close(closed) },
	}}
	var sock *deadlineLog
	ts := startServerVia(t, s, func(nc net.Conn) net.Conn {
		sock = &deadlineLog{Conn: nc}
		return sock
	})
	// A client that reads, and answers neither ping nor close.
	rc, _ := ts.dialRaw(t, nil)
	ended := rc.framesUntilEnd()
	c := <-opened
	sock.mu.Lock()
	sock.armed = true
	sock.mu.Unlock()
	c.expire(expiredDead)
	shutdown := time.Now()
	go s.Shutdown(context.Background())
	<-closed
	<-ended
	sock.mu.Lock()
	defer sock.mu.Unlock()
	// The drop's deadlines are within 2*dropWait of its start; one
	// closeWait after Shutdown began is the wait for an answer.
	for _, d := range sock.set {
		if !d.Before(shutdown.Add(closeWait)) {
			t.Errorf("Shutdown's wait for an answer (%v) reached the socket after the verdict: read deadlines %v after Shutdown began",
				closeWait, sinceAll(shutdown, sock.set))
			break
		}
	}
}

func sinceAll(t0 time.Time, ts []time.Time) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(t0).Round(time.Millisecond)
	}
	return out
}
