package listener

import (
	"errors"
	"fmt"
	"os"
)

// cutByClose rewords err, a stage's or the handshake's, when it is the
// deadline that Close shortened to its grace: the connection was cut off
// because the server is shutting down, not because the client took
// longer than HandshakeTimeout, which "no handshake within 1.3s" would
// suggest to a reader of /hellos or the log when the timeout is 10s. what
// names what had not come ("no handshake"). Any other error, and a
// connection whose own deadline came first, keep err's words.
func (l *Listener) cutByClose(c *Conn, err error, what string) error {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	l.mu.Lock()
	cut := l.closed && c.stages.deadline.Equal(l.graceEnd)
	early := l.graceCut
	l.mu.Unlock()
	if !cut {
		return err
	}
	if early {
		return fmt.Errorf("%w: %s before the shutdown's time ran out", errShuttingDown, what)
	}
	return fmt.Errorf("%w: %s within the %v grace given to handshakes in flight", errShuttingDown, what, min(closeGrace, l.handshakeTimeout()))
}
