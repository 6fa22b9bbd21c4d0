package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// tlsCloseWait is the most a MESSAGE session on tls:// waits, once its
// echoes are back and its close_notify is out, for the server's end. An
// echo server answers at once (tlsecho's raw port with its own
// close_notify), and then the wait costs a round trip; one that neither
// answers nor closes breaks no rule (RFC 8446 section 6.1 lets a side
// keep writing after the other's close_notify), so it costs this, not
// -timeout, and the run stands.
const tlsCloseWait = time.Second

// closeTLS ends a MESSAGE session on tls:// once every echo is back: it
// sends close_notify (bye) and reads until the server's end, within
// tlsCloseWait. Without it the client closed and went, and what a server
// sent in a record after the echo went unseen; any byte now is more than
// was sent, and fails the run, as a message after the echo does on wss://.
// The end is shown on p.
func (c *client) closeTLS(ctx context.Context, conn *clientConn, bye func() error, abort func(), p *reportPrinter) error {
	conn.SetWriteDeadline(time.Now().Add(c.o.timeout))
	if err := bye(); err != nil {
		if ctx.Err() != nil {
			return c.interruptedCloseErr(err, nil, abort, "close_notify")
		}
		// A server that ended the connection under it: the read below
		// meets how.
	}
	wait := min(c.o.timeout, tlsCloseWait)
	conn.SetReadDeadline(time.Now().Add(wait))
	var past []byte // its start, for the message
	var n int64
	err := c.awaitEnd(ctx, drain(func() error {
		buf := make([]byte, 32<<10)
		for {
			k, err := conn.Read(buf)
			n += int64(k)
			c.obs.read += int64(k) // closeNotified counts the data read
			if len(past) < 33 {
				past = append(past, buf[:min(k, 33-len(past))]...)
			}
			if err != nil {
				return err
			}
		}
	}), abort, "close_notify")
	if errors.Is(err, errInterrupted) {
		return err
	}
	addr := c.o.target.addr
	how := c.obs.howEnded(c.o.target.scheme, err)
	switch {
	case n > 0:
		p.kv("  ", "close", "close_notify sent; bytes came past the echo")
		return fmt.Errorf("echo from %s differs: it sent %s past the echo before it answered the client's close_notify: %s",
			addr, plural.Count(n, "byte", "bytes"), excerpt(past))
	case isTimeout(err):
		p.kv("  ", "close", fmt.Sprintf("close_notify sent; no answer within %v, not waited for longer", wait))
		return nil
	case how == "with close_notify" || how == "with close_notify (then a TCP reset)":
		p.kv("  ", "close", "close_notify, answered")
		return nil
	case errors.Is(err, io.EOF):
		// As at the end of standard input: crypto/tls takes a FIN at a
		// record's end as the end, as popular sites need.
		p.kv("  ", "close", "answered "+how)
		return nil
	case how != "":
		p.kv("  ", "close", "no answer: the server ended the connection "+how)
		return explained(err, "%s ended the connection %s instead of answering the client's close_notify", addr, how)
	}
	p.kv("  ", "close", "no answer")
	return c.explainRead(err, "answer to the client's close_notify")
}
