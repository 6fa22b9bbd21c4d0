//go:build unix

package ws

import (
	"net"
	"syscall"
)

// socketOf returns the raw socket under nc, for waiting on it without
// reading (see Conn.wait), or nil.
func socketOf(nc net.Conn) syscall.RawConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// peek is the callback of the socket's RawConn.Read: it reports whether
// the socket has input (data, the client's FIN, or an error), looking
// with MSG_PEEK so nothing is taken from it. The first call of a wait
// looks; false parks the goroutine in the poller until the socket turns
// readable, and the call that follows reports true without looking again,
// for the read through crypto/tls that comes next makes that system call
// anyway.
func (c *Conn) peek(fd uintptr) bool {
	if c.looked {
		return true
	}
	c.looked = true
	for {
		_, _, err := syscall.Recvfrom(int(fd), c.peekBuf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if err != syscall.EINTR {
			return err != syscall.EAGAIN
		}
	}
}
