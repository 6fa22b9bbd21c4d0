//go:build unix

package listener

import (
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
	w.sock, w.peekFn = rc, w.peek
	return true
}

// peek is the callback of the socket's RawConn.Read: true when the socket
// has input, looking with MSG_PEEK so nothing is taken from it. The first
// call of a wait looks; false parks the goroutine in the poller until the
// socket turns readable, and the call that follows reports true without
// looking again.
func (w *InputWait) peek(fd uintptr) bool {
	if w.looked {
		return true
	}
	w.looked = true
	for {
		_, _, err := syscall.Recvfrom(int(fd), w.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
	}
}
