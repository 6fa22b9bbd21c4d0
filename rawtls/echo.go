package rawtls

import (
	"errors"
	"io"
	"os"
	"sync"

	"github.com/tlsecho/tlsecho/listener"
)

// bufSize is one TLS record's worst-case plaintext (RFC 8446 section 5.1):
// a Read never returns more than one record's worth.
const bufSize = 16 << 10

// Echo returns the handler that writes every byte back in order until the
// client stops sending. A connection waits for the client without a
// buffer (see Conn.awaitInput), and the wait echoes what arrives itself:
// only then does it take a buffer from a pool, into which a read returns
// a whole record (up to 16 KiB, as crypto/tls decrypted it), and all of
// it goes back in one record and one write; the wait then goes on
// (listener.InputWait.Run), on Linux without the read that would find the
// socket empty. A connection with faults runs the fault
// package's echo instead. A quiet connection parks with no goroutine
// (park.go) only when the Server runs the echo itself, as its Handler;
// called from a Handler of yours, ServeTLS returns once, when the client
// has finished sending, as it always has.
func Echo() Handler {
	return echo(&sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }})
}

// bufPool hands out the echo's *[]byte buffers of bufSize bytes.
type bufPool interface {
	Get() any
	Put(any)
}

// echoHandler is what Echo returns: the server knows it by its type, and
// lets it park a quiet connection (park.go) only when it runs it itself,
// not inside a Handler of the user's, which would see errPark and be run
// again for every park.
type echoHandler struct{ pool bufPool }

func echo(pool bufPool) Handler { return &echoHandler{pool: pool} }

// ServeTLS echoes until the client has finished sending.
func (e *echoHandler) ServeTLS(c *Conn) error {
	pool := e.pool
	if c.fault != nil {
		return c.fault.EchoStream(c)
	}
	// What ended the echo inside the wait, if something did.
	var ended error
	step := func() bool {
		prev := c.lastRead.Load()
		ok, err := c.echoReady(pool)
		ended = err
		if ok && c.parks() && c.lastRead.Load() != prev && !c.tookInput(prev) {
			// Not busy: the wait starts again with the grace's
			// deadline, and the connection parks if nothing comes.
			c.settleNext = true
			return false
		}
		return ok
	}
	for {
		probe := c.awaitInput(step)
		if ended != nil {
			return endOf(ended)
		}
		if c.parkNext {
			c.parkNext = false
			// Not while crypto/tls holds whole records: the socket
			// would not turn readable for them.
			if c.lc.Unread() != listener.UnreadMaybe {
				return errPark
			}
		}
		prev := c.lastRead.Load()
		bp := pool.Get().(*[]byte)
		var n int
		var rerr error
		if probe {
			n, rerr = c.readBuffered(*bp)
		} else {
			n, rerr = c.Read(*bp)
		}
		if n > 0 {
			if _, err := c.Write((*bp)[:n]); err != nil {
				pool.Put(bp)
				return firstFailure(rerr, err)
			}
		}
		pool.Put(bp)
		if rerr != nil {
			return endOf(rerr)
		}
		// Input read here (the rest of a record, one crypto/tls held)
		// counts as the wait's does: a connection that is not busy
		// parks listener.ParkGrace after it, rather than wait a second
		// for the quiet deadline.
		if n > 0 && c.parks() {
			c.settleNext = !c.tookInput(prev)
		}
	}
}

// firstFailure is what ends an echo whose write of what a read returned
// failed with werr: the read's own error rerr, when it had one beside the
// data (not the client's end of input), since it came first. crypto/tls
// returns data with an error when, having read past the data's record, it
// met alerts it refused there (more warnings than it lets pass) and sent
// a fatal alert, after which it fails every write: werr then tells only
// of that alert. A deadline that woke the read is no such error.
func firstFailure(rerr, werr error) error {
	if rerr != nil && !errors.Is(rerr, io.EOF) && rerr != listener.ErrNoInput && !errors.Is(rerr, os.ErrDeadlineExceeded) {
		return rerr
	}
	return werr
}

// endOf is what the echo returns for the read or write error that ends
// it: nothing for the client's end of input.
func endOf(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// echoReady echoes, inside the wait (Conn.awaitInput), the input the wait
// has read: it reports true once all of it is echoed, and false, with the
// error that ends the echo or nil, when the reads after the wait must take
// over: the server drains or the connection idled, which Read sorts out
// (a connection with faults runs another echo).
func (c *Conn) echoReady(pool bufPool) (bool, error) {
	if c.srv.draining.Load() || c.idle.expired.Load() {
		return false, nil
	}
	bp := pool.Get().(*[]byte)
	defer pool.Put(bp)
	for {
		n, err := c.Read(*bp)
		if n > 0 {
			if _, werr := c.Write((*bp)[:n]); werr != nil {
				return false, firstFailure(err, werr)
			}
		}
		switch {
		case err == listener.ErrNoInput:
			return true, nil
		case err != nil:
			return false, err
		case n > 0 && c.lc != nil && c.lc.Drained():
			// The next read would only say listener.ErrNoInput.
			return true, nil
		}
	}
}
