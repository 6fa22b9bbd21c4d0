//go:build unix

package listener

import (
	"io"
	"net"
	"os"
	"syscall"
)

// Init prepares w to wait on the socket under c, and reports whether it
// can: it cannot where c is not a socket.
func (w *InputWait) Init(c *Conn) bool {
	sc, ok := c.conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	w.sock, w.c, w.lookFn = rc, c, w.look
	return true
}

// look is the callback of the socket's RawConn.Read: true when the socket
// has input. The first call of a wait reads what is there already into
// the Conn (c.ahead), for its next read; false, when nothing is, parks
// the goroutine in the poller until the socket turns readable, and the
// call that follows reports true without reading: the read that follows
// takes the input as it comes, into crypto/tls's own buffer. Under Run
// it calls the step instead.
func (w *InputWait) look(fd uintptr) bool {
	c := w.c
	if w.step != nil {
		if c.ahead != nil {
			return true // read ahead by an earlier wait, not read since
		}
		if !w.inq {
			w.inq = true
			enableInq(int(fd))
		}
		for {
			c.fd, c.noWait, c.drained = int32(fd), true, false
			more := w.step()
			c.noWait = false
			if !more || !c.takeUnsure() {
				return !more
			}
			// The step read the socket empty by the kernel's word and
			// wrote nothing since: a reset that came before that read is
			// still to be read. The step reads again, until a read
			// finds nothing or the reset.
		}
	}
	if w.looked {
		return true
	}
	w.looked = true
	if c.ahead != nil {
		return true // read ahead by an earlier wait, not read since
	}
	return c.readAheadNow(int(fd))
}

// readAheadNow reads, without waiting, what the socket fd has already
// into a buffer of the listener's pool, for the Conn's next reads, and
// reports whether it found anything: data, the peer's FIN (which every
// read from now on finds too) or an error, such as a reset, which the
// next read reports, as it would have from the socket, which reports it
// only once. It reports false when the socket is empty.
func (c *Conn) readAheadNow(fd int) bool {
	ra, _ := c.ln.ahead.Get().(*readAhead)
	if ra == nil {
		ra = new(readAhead)
	}
	for {
		n, err := syscall.Read(fd, ra.buf[:])
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			c.ln.ahead.Put(ra)
			return false
		case err != nil:
			ra.b, ra.err = nil, c.readError(err)
			c.ahead = ra
		case n == 0:
			c.ln.ahead.Put(ra)
		default:
			ra.b = ra.buf[:n]
			c.ahead = ra
		}
		return true
	}
}

// readNow is Read during the step of InputWait.Run: it reads the socket,
// c.fd, without waiting, and fails with ErrNoInput once the socket has
// had nothing, without asking it again: input that arrived since is the
// wait's to find.
//
// A read that returned less than it asked for does not say the socket
// is empty: the client's FIN that arrived with the data is taken by the
// same read, and only the next one reports it. The socket does not turn
// readable again for it, so a wait that took the short read for the end
// would sleep with the end unread until a deadline. Where the kernel
// tells what a read left (Linux's TCP_INQ, asked for as the first wait
// that serves starts), a read that left nothing, not even a FIN, found
// the socket empty, and the read that would only say so is saved;
// elsewhere the reads go on until one finds nothing.
//
// The kernel's word counts bytes and a FIN, not a reset: the socket of a
// client that sent data and then a reset holds nothing after the read
// that takes the data, and the next read returns the reset. The socket
// had turned readable for the reset with the data, and does not again.
// So the read is marked unsure (readUnsure) until a write that the
// socket takes shows there was no reset (a reset fails every write after
// it); the wait has a step that wrote nothing since read again (look).
// An echo writes what it read, and keeps the saved read.
//
// An empty p reads nothing and finds nothing, as net.Conn's Read does:
// no system call, for a recvmsg into no room would still take a byte.
func (c *Conn) readNow(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.drained {
		return 0, ErrNoInput
	}
	for {
		n, left, err := readLeft(int(c.fd), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			c.drained = true
			return 0, ErrNoInput
		case err != nil:
			return 0, c.readError(err)
		case n == 0:
			return 0, io.EOF
		}
		if !left {
			c.drained = true
			c.markUnsure()
		}
		return n, nil
	}
}

// markUnsure marks a read unsure (see readNow), with a count that
// tells it from any before it.
func (c *Conn) markUnsure() {
	for {
		w := c.writes.Load()
		if c.writes.CompareAndSwap(w, (w+writeCount)|readUnsure) {
			return
		}
	}
}

// takeUnsure reports whether a read is unsure (see readNow), and makes
// it sure.
func (c *Conn) takeUnsure() bool {
	if c.writes.Load()&readUnsure == 0 {
		return false
	}
	c.writes.And(^readUnsure)
	return true
}

// readError is a read's error from the socket, as net.Conn's Read gives
// it.
func (c *Conn) readError(err error) error {
	return &net.OpError{Op: "read", Net: "tcp", Source: c.conn.LocalAddr(), Addr: c.conn.RemoteAddr(), Err: os.NewSyscallError("read", err)}
}
