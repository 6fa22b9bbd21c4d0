package ws

import (
	"compress/flate"
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// finish ends the connection after the handler returned err, sending the
// close frame the error calls for, and returns the close code sent or
// received (0 if none).
func (c *Conn) finish(err error) int {
	var ce *websocket.CloseError
	var ne net.Error
	switch {
	case errors.Is(err, errPanicked):
		// RFC 6455 section 7.4.1: 1011, the server met a condition that
		// kept it from fulfilling the request.
		c.closeAndWait(websocket.CloseInternalServerErr, "internal error")
	case errors.As(err, &ce):
		// The client closed (or answered our close); gorilla has replied
		// with the same code, or the close handler with 1002 to a close
		// frame it could not take.
		c.closeTLS()
		// The server's own code counts unless another close frame went
		// out first. writeClose notes it before the write and takes it
		// back when the write fails, but a close of Shutdown's that met
		// the client's may be noted still while gorilla refuses it, its
		// answer having gone out: the client was told the code it sent.
		// (None noted as gone out yet: the server's frame is being
		// written, and the client's close crossed it.)
		if code, sent := c.sentCode.Load(), c.nc.closeSent.Load(); code != 0 && (sent == 0 || sent == code) {
			return int(code)
		}
		if c.nc.watch.shortClose.Load() {
			// A close frame with a 1-byte payload carries no code:
			// gorilla's 1005 for it is not one the client sent. The
			// server's 1002 counted above when it went out; when the
			// client took none of it, the connection ended without a
			// code.
			return 0
		}
		if ce.Code == websocket.CloseAbnormalClosure {
			// gorilla's error for a connection that ended without a
			// close frame (a TCP FIN, also inside a frame): no frame may
			// carry 1006 (RFC 6455 section 7.4.1), so none was received.
			return 0
		}
		return ce.Code
	case errors.Is(err, ErrInvalidUTF8):
		c.closeAndWait(websocket.CloseInvalidFramePayloadData, "invalid UTF-8 in text message")
	case errors.Is(err, ErrTooBig):
		c.closeAndWait(websocket.CloseMessageTooBig, "message too big")
	case errors.Is(err, fault.ErrMemory):
		// The fault echoes of the whole server hold all the memory they
		// may (fault.Budget): this connection ends rather than wait for
		// some, as all would. RFC 6455 section 7.4.1's 1013, Try Again
		// Later, says the condition is the server's and passes. The
		// client may be sending the rest of the message: awaitClose
		// reads it, discarding, up to its close.
		c.closeAndWait(websocket.CloseTryAgainLater, "server memory for fault echoes in use")
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has tried to send 1009, unless the frame's length had
		// its top bit set: it refuses that as too big too, but sends
		// nothing, and RFC 6455 section 5.2 makes it a protocol error
		// (1002). The code counts only if its frame went out.
		if c.nc.watch.topBitLength.Load() {
			c.writeCloseTaken(websocket.CloseProtocolError, "payload length with its most significant bit set", time.Now().Add(writeWait))
		} else {
			c.sentCode.CompareAndSwap(0, c.nc.closeSent.Load())
		}
		// The client may be sending the rest of a large message, which
		// it must be let finish to read the close frame (the default
		// bound of the discard would reset most such clients).
		wait := durationOr(c.srv.refusedWait, closeWait)
		c.discardAndClose(wait, time.Now().Add(wait+dropWait))
		return int(c.sentCode.Load())
	case errors.Is(err, errMisplacedRSV1):
		// RFC 7692 section 6.1: fail the connection. gorilla's reader
		// has stopped before the frame.
		c.writeCloseTaken(websocket.CloseProtocolError, "RSV1 set on a control or continuation frame", time.Now().Add(writeWait))
		c.discardAndClose(closeWait, time.Now().Add(closeWait+dropWait))
		return int(c.sentCode.Load())
	case errors.As(err, new(flate.CorruptInputError)) || errors.Is(err, errDeflateCut):
		// A compressed message that does not inflate, or whose deflate
		// data ends inside a block: gorilla fails the read and says
		// nothing (RFC 7692 section 7.2.2 has the connection failed).
		// 1007, as for other payload that does not fit its message.
		c.closeAndWait(websocket.CloseInvalidFramePayloadData, "invalid compressed data")
	case errors.Is(err, websocket.ErrCloseSent):
		// The server started the close (Shutdown) while the handler wrote.
		c.awaitClose()
	case errors.As(err, &ne) && ne.Timeout():
		switch {
		case c.closing.Load() != 0:
			// No answer to our close in time. A client that reads
			// slowly may not have reached the close frame, queued behind
			// an echo, and the rest of a message it sent may lie unread:
			// closing now would reset the connection, dropping the close
			// frame with all the socket holds for the client. What is
			// left is swallowed first, as awaitClose does.
			c.discardAndClose(dropWait, time.Now().Add(2*dropWait))
			return int(c.sentCode.Load())
		case c.expired.Load() == expiredIdle:
			c.closeNow(websocket.CloseNormalClosure, "idle timeout")
		case (c.expired.Load() == expiredDead || c.expired.Load() == expiredMute) && !c.fault.Silent():
			c.dropDead()
			return int(c.sentCode.Load())
		}
		c.closeTLS()
	case err == nil:
		c.closeAndWait(websocket.CloseNormalClosure, "")
	default:
		// A protocol violation (gorilla has tried to send 1002) or a
		// broken connection: nothing more to say. gorilla's 1002 shows
		// only on the wire, and counts only if it went out whole.
		c.sentCode.CompareAndSwap(0, c.nc.closeSent.Load())
		c.closeAfter()
	}
	return int(c.sentCode.Load())
}

// closeAfter closes the connection after the reader failed, lingering
// first when a close frame went out. gorilla stops reading at the first
// byte it refuses, and its read buffer is 128 bytes: the rest of a
// refused frame (a ping of 126 bytes, an unmasked message) and whatever
// the client sent behind it lie unread in the socket. Closing a socket
// with unread input resets the connection (RFC 6455 section 7.1.7 asks
// for the close frame first, and 7.1.1 for the server to close after
// it), and the reset drops the echoes and the 1002 the client has not
// read yet. So what the client still sends is discarded first, as after
// a 1009, under the same bounds. Over TLS crypto/tls has usually read
// the whole record, which hid this; a frame over several records does
// the same there. With no close frame sent (a broken connection, a write
// that failed), there is nothing a linger could save.
func (c *Conn) closeAfter() {
	if c.nc.closeSent.Load() == 0 {
		c.closeTLS()
		return
	}
	c.discardAndClose(closeWait, time.Now().Add(closeWait+dropWait))
}

// startClose sends a close frame, waiting for the write lock at most
// until by, and bounds the wait for the answer; the handler's pending read
// then ends with the client's reply or a timeout. It reports whether by
// passed while the frame waited, so the connection was cut by that
// deadline. Safe to call from any goroutine.
func (c *Conn) startClose(code int, reason string, by time.Time) (cut bool) {
	if c.letGoSilent() {
		return false
	}
	// No echo of a fault's delayed queue may follow the close. Hush
	// waits for the fault echo's write in progress, which a client that
	// reads nothing would hold with no end.
	if c.fault != nil {
		stop := c.watchTaken(code)
		c.fault.Hush()
		stop()
		// A timed fin or blackhole may have acted meanwhile: it cuts a
		// write that lasts, without waiting for it.
		if c.letGoSilent() {
			return false
		}
	}
	return c.sendClose(code, reason, by)
}

// letGoSilent reports whether fin, rst or blackhole has taken effect, and
// then lets a held socket go at once: nothing more is said.
func (c *Conn) letGoSilent() bool {
	if !c.fault.Silent() {
		return false
	}
	c.fault.LetGo()
	c.nc.SetReadDeadline(time.Now())
	return true
}

// sendClose is startClose's sending, which a fault's own close calls
// directly (its echo is already stopped).
func (c *Conn) sendClose(code int, reason string, by time.Time) (cut bool) {
	c.closing.CompareAndSwap(0, time.Now().Add(closeWait).UnixNano())
	deadline := by
	if dl := time.Now().Add(writeWait); by.IsZero() || dl.Before(by) {
		deadline = dl
	}
	err := c.writeCloseTaken(code, reason, deadline)
	// A timeout is by's only when by has passed: a write that failed
	// before (gorilla keeps its error, a timeout too) fails this one at
	// once.
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() && deadline.Equal(by) && !time.Now().Before(by) {
		cut = true
	}
	if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
		// The client was not told and takes nothing: nothing more can
		// reach it, and the handler may be blocked in a write no deadline
		// ends (IdleTimeout's rule would, minutes later). The server has
		// decided to end the connection, so it ends now.
		c.closeSocket()
	}
	// The wait for the answer, unless the keepalive has ended the
	// connection: its deadline, set to now to wake the reader, must not
	// be put off by closeWait (a client dropped for a missed pong as
	// Shutdown began was held 2.5 s, not the drop's second). It sets its
	// flag before its deadline, so one set meanwhile is seen after ours.
	if c.expired.Load() == 0 {
		c.ws.SetReadDeadline(time.Unix(0, c.closing.Load()))
		if c.expired.Load() != 0 {
			c.ws.SetReadDeadline(time.Now())
		}
	}
	return cut
}

// writeCloseTaken is writeClose for a close the server starts, which a
// client that reads nothing (its receive window and the server's send
// buffer full, the handler blocked in a write to it) must not hold for
// writeWait, nor the connection for good: see watchTaken. The 1002s the
// server writes itself, where gorilla says nothing, are such closes. A client that
// reads, however slowly, keeps taking bytes and gets its frame within
// writeWait, as before.
func (c *Conn) writeCloseTaken(code int, reason string, by time.Time) error {
	stop := c.watchTaken(code)
	defer stop()
	return c.writeClose(code, reason, by)
}

// watchTaken closes the socket, until stop is called, once
// listener.TakeWait has passed in which the client took nothing (taken):
// while a close frame with code waits for the writer, or for room in the
// socket's buffer, no byte of it can reach such a client. The code is
// taken back first, as writeClose does for a frame that did not go out:
// closing the socket ends the handler, whose finish counts the code, at
// once.
func (c *Conn) watchTaken(code int) (stop func()) {
	return listener.WatchTaken(c.taken, func() {
		if c.nc.closeSent.Load() == 0 {
			c.sentCode.CompareAndSwap(int32(code), 0)
		}
		c.debug("websocket close frame not taken; connection closed", "code", code, "waited", listener.TakeWait)
		// A reader blocked behind a full delay queue sees no closed
		// socket: the fault's queue must let it go.
		c.fault.Abort()
		c.closeSocket()
	})
}

// taken measures what the client has taken of the server's writes: the
// bytes it acknowledged, where the kernel tells (acked), else the writes
// that completed. It grows while the client reads.
func (c *Conn) taken() uint64 {
	if n, ok := fault.Acked(c.nc.Conn); ok {
		return n
	}
	return c.nc.writes.Load()
}

// closeAndWait sends a close and reads (discarding) until the client
// answers or closeWait passes, then closes the socket; closing at once
// could reset the connection before the client read our close frame.
func (c *Conn) closeAndWait(code int, reason string) {
	c.startClose(code, reason, time.Time{})
	c.awaitClose()
}

func (c *Conn) awaitClose() {
	c.ws.SetReadDeadline(time.Now().Add(closeWait))
	var err error
	for err == nil {
		_, _, err = c.ws.NextReader()
	}
	if _, answered := errors.AsType[*websocket.CloseError](err); !answered {
		// No answer in time, or a frame gorilla refused while it waited
		// for one, the rest of which lies unread. A client that reads
		// slowly may not have reached the close frame yet, queued
		// behind an echo, and be sending still: closing with its bytes
		// unread would reset the connection, and a reset drops all the
		// socket holds for the client, the close frame with it. So what
		// it still sends is swallowed first, as for a drop; the socket
		// then ends with a FIN behind the close frame.
		c.discardAndClose(dropWait, time.Now().Add(2*dropWait))
		return
	}
	c.closeTLS()
}

// discardAndClose closes the socket once the client has stopped sending,
// after the close frame went out while gorilla's reader had given up: the
// client may still be sending the rest of a frame, and closing with
// unread bytes would reset the connection, which can reach the client
// before it reads the close frame, and fails its writes. So what still
// comes is swallowed first (RFC 6455 section 7.1.1 has the server read
// and discard until the client's close), until the client's close frame
// has arrived or its stream ends, for at most read and a bounded amount:
// a client that never stops sending holds the connection no longer.
//
// The socket is closed by the time by, whatever crypto/tls does:
// tls.Conn.Close sends close_notify under a write deadline of its own,
// 5 s, which a client that takes nothing more would hold to its end.
// close_notify gets what is left until by; a client that reads takes it
// at once. The cut is armed before the discard, not after it: another
// goroutine may set the read deadline meanwhile (a shutdown's close sets
// the one of the handshake it starts, closeWait from then), and the
// discard would wait for that one.
func (c *Conn) discardAndClose(read time.Duration, by time.Time) {
	cut := time.AfterFunc(time.Until(by), c.closeSocket)
	defer cut.Stop()
	c.nc.flushHeld()
	nc := c.nc.Conn
	nc.SetReadDeadline(earliest(time.Now().Add(read), by))
	c.discardToClose(nc, discardBound(c.srv.wireLimit(), c.nc.watch.messageArrived()))
	nc.Close()
}

// discardBound is how much a close discards: the largest message and
// discardAllowance, less what has arrived of the message under way
// (arrived), for the bound holds the whole message to 16 MiB past the
// limit. Counted from the refused fragment alone, a message whose
// earlier fragments came near the limit could run on that far again.
func discardBound(limit int64, arrived uint64) int64 {
	bound := limit + discardAllowance
	if arrived >= uint64(bound) {
		return 0
	}
	return bound - int64(arrived)
}

// discardToClose reads and drops what the client sends on nc, below the
// watch (which may refuse to read on), until the client's close frame has
// arrived whole, the stream ends or fails (its read deadline), or max
// bytes are read. The bytes pass the frame watch, which follows the
// stream from where gorilla's reads left it and sees the close frame
// come: after it a client sends nothing more (section 5.5.1), and one
// that then waits for the server to close is not kept waiting.
func (c *Conn) discardToClose(nc net.Conn, max int64) {
	w := &c.nc.watch
	buf := make([]byte, 32<<10)
	for max > 0 && !w.closeDone {
		n, err := nc.Read(buf[:min(int64(len(buf)), max)])
		max -= int64(n)
		w.observe(buf[:n])
		if err != nil {
			return
		}
	}
}

// discardAllowance is what a close discards beyond the largest message,
// counted from the start of the message under way (discardBound): the
// rest of a message far over the limit that a client sends as fast as it
// can before it reads, and the frames around it. Its time bound
// (closeWait) ends a client that sends without end first, but bytes come
// fast on a local link and each costs the server its decryption.
const discardAllowance = 16 << 20

// earliest returns the earlier of a and b.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// dropWait bounds each step of dropping a client that missed its pong:
// the close frame's write, then the wait for the client to finish, which
// ends with the socket closed. A client that reads takes a close frame at
// once; one that does not must not hold the drop.
const dropWait = closeWait / 4

// dropDead fails the connection of a client that did not answer a ping
// in time, or whose ping could not be written (expiredMute). RFC 6455
// section 7.1.7 has an endpoint that fails a connection send a close
// frame first, so a client that is alive but slow, still reading, learns
// why instead of seeing 1006. 1008 (policy violation, section 7.4.1) is
// the code: the client broke the server's liveness rule. 1001 would say
// the server is going down, which is what a shutdown sends, and 1011 a
// fault of the server's own, which is what a handler's panic sends; a
// client or a dashboard must tell those apart.
// The frame waits for the writer no longer than dropWait, and so does the
// close for the client's answer: the socket is closed two dropWaits after
// the drop began, at the latest.
func (c *Conn) dropDead() {
	start := time.Now()
	reason := "no pong within " + c.ka.every.String()
	if c.expired.Load() == expiredMute {
		// Nothing can be sent, this close frame included: the drop is
		// logged as any other of a dead client, and counted as a
		// connection dropped without a close code (0), for the client
		// was told nothing.
		reason = "ping write failed"
	}
	c.writeClose(websocket.ClosePolicyViolation, reason, start.Add(dropWait))
	c.debug("websocket client dropped", "reason", reason)
	c.discardAndClose(dropWait, start.Add(2*dropWait))
}

// closeNow sends a close frame and closes the socket without waiting.
func (c *Conn) closeNow(code int, reason string) {
	c.writeClose(code, reason, time.Now().Add(time.Second))
	c.closeTLS()
}

// closeTLS closes the connection, TLS close_notify first, with the socket
// itself closed dropWait from now at the latest: tls.Conn.Close gives the
// close_notify a write deadline of its own, 5 s, which a client that has
// stopped reading (its window and our send buffer full, though every
// frame so far went out) would hold to its end, with the goroutine, the
// socket and the connection's slot. A client that reads takes the
// close_notify at once.
func (c *Conn) closeTLS() {
	cut := time.AfterFunc(dropWait, c.closeSocket)
	c.ws.NetConn().Close()
	cut.Stop()
}

// writeClose sends a close frame with code, waiting for the writer at
// most until by, notes the code as the one sent (the first one only) and
// returns the write's error.
// The note is taken back when the frame could not be written (the client
// took none of it in time, or an earlier write failed): CloseCode, and
// tlsecho_ws_closes_total with it, tell what the client was told, and
// such a connection ended without a code. It is taken before the write,
// for the client's answer can reach the reader before WriteControl
// returns.
func (c *Conn) writeClose(code int, reason string, by time.Time) error {
	noted := c.sentCode.CompareAndSwap(0, int32(code))
	err := c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), by)
	if err != nil && noted {
		c.sentCode.CompareAndSwap(int32(code), 0)
	}
	return err
}

// closeSocket closes the TCP connection itself, from any goroutine, so
// every blocked read and write on it ends at once. Closing the *tls.Conn
// is not enough: its Close returns without closing the socket while
// another Close is sending close_notify, blocked on a client that does
// not read.
func (c *Conn) closeSocket() {
	if lc := listener.From(c.nc.Conn); lc != nil {
		lc.Close()
		return
	}
	var nc net.Conn = c.nc.Conn
	for {
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		nc = u.NetConn()
	}
	nc.Close()
}
