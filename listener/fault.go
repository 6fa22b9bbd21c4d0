package listener

import (
	"context"

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

// handshakeFaults runs hsdelay and alert on a TLS listener, before the
// handshake: the ClientHello has been captured by then, so /hellos shows
// what a client offered also when an alert answered it.
func (l *Listener) handshakeFaults(c *Conn) error {
	if c.Fault == nil || l.o.TLSConfig == nil {
		return nil
	}
	ctx, cancel := context.WithDeadline(l.ctx, c.Accepted.Add(l.handshakeTimeout()))
	defer cancel()
	return l.o.Faults.Handshake(ctx, c, c.Fault, c.FaultInfo())
}

// FaultInfo names c for its fault session.
func (c *Conn) FaultInfo() fault.ConnInfo {
	return fault.ConnInfo{Listener: c.Listener, Peer: c.Peer.String(), Opened: c.Accepted}
}

// Throttle is the slot under TLS where a fault's pacer goes (bw): every
// write of the connection, TLS records and WebSocket frames alike, goes
// through it.
func (c *Conn) Throttle() *fault.Throttle { return &c.throttle }
