package listener

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tlsecho/tlsecho/fault"
)

// takeFault gives c the fault spec armed for the next connection of this
// listener, or the default, as soon as it is accepted: POST /faults
// count=N means the next N TCP connections, whatever they turn out to be.
func (l *Listener) takeFault(c *Conn) {
	if l.o.Faults != nil {
		c.Fault = l.o.Faults.Take(l.o.Name)
	}
}

// errClientLeft is why an hsdelay ends early: the client closed or reset
// the connection while it waited.
var errClientLeft = errors.New("the client closed the connection")

// handshakeFaults runs hsdelay and alert on a TLS listener, before the
// handshake: the ClientHello has been captured by then, so /hellos shows
// what a client offered also when an alert answered it. The watch for a
// client leaving ends with the delay, before alert reads the hello: while
// it waits on the socket no read of it can start. Input that is not TLS
// gets no alert (readHello).
func (l *Listener) handshakeFaults(c *Conn) error {
	if c.Fault == nil || l.o.TLSConfig == nil {
		return nil
	}
	if c.stages.helloRead && c.stages.notTLS {
		// Captured already, and no ClientHello: nothing for hsdelay to
		// hold back or alert to answer (see below).
		return nil
	}
	if _, ok := c.Fault.Get(fault.HSDelay); ok {
		// The cause names the timeout, so that a delay it cuts short is
		// logged as that, not as a bare "context deadline exceeded".
		timeout := l.handshakeTimeout()
		ctx, cancel := context.WithDeadlineCause(l.ctx, c.Accepted.Add(timeout),
			fmt.Errorf("the handshake timeout (%v) passed", timeout))
		ctx, stop := l.watchLeave(ctx, c)
		err := l.o.Faults.HandshakeDelay(ctx, c.Fault, c.FaultInfo())
		stop()
		cancel()
		if err != nil {
			return err
		}
	}
	if !c.Fault.Has(fault.Alert) {
		return nil
	}
	if !c.stages.helloRead {
		readHello(c)
	}
	if c.stages.notTLS {
		// The contract drops plain text and plain HTTP on a TLS port at
		// once; the alert answers a ClientHello, and there is none. The
		// handshake refuses the bytes as it would without the fault (an
		// SSLv2 hello gets protocol_version, HTTP on the HTTPS port its
		// 400), so the outcome, the log and the metrics are the same, and
		// the alert is not counted.
		return nil
	}
	return l.o.Faults.HandshakeAlert(c, c.Fault, c.FaultInfo())
}

// watchLeave returns ctx, canceled with errClientLeft when the client
// closes or resets the connection, and a stop to call once the wait is
// over. An hsdelay would otherwise hold a vanished client's slot of
// MaxConns until the delay ends (up to a minute). Only the TCP state is
// watched: the ClientHello bytes stay unread for the handshake.
//
// stop wakes the watch with an expired read deadline and then sets the
// stage deadline again, under the lock with which Close shortens it, so
// that a shortening meanwhile is kept.
func (l *Listener) watchLeave(ctx context.Context, c *Conn) (context.Context, func()) {
	sock := fault.Socket(c.conn)
	if sock == nil {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if fault.WaitPeerClose(sock) {
			cancel(errClientLeft)
		}
	}()
	return ctx, func() {
		sock.SetReadDeadline(time.Now())
		<-done
		l.mu.Lock()
		c.conn.SetReadDeadline(c.stages.deadline)
		l.mu.Unlock()
		cancel(nil)
	}
}

// FaultInfo names c for its fault session.
func (c *Conn) FaultInfo() fault.ConnInfo {
	ci := fault.ConnInfo{Listener: c.Listener, Peer: c.Peer.String(), Opened: c.Accepted}
	if c.Balancer != nil {
		ci.Balancer = c.Balancer.String()
	}
	return ci
}

// Throttle is the slot under TLS where a fault's pacer goes (bw): every
// write of the connection, TLS records and WebSocket frames alike, goes
// through it.
func (c *Conn) Throttle() *fault.Throttle { return &c.throttle }
