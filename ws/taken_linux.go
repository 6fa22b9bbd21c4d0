package ws

import (
	"net"

	"golang.org/x/sys/unix"
)

// unreadInput is how many bytes the kernel holds that the server has not
// read yet on socket s (SIOCINQ), and whether it could tell.
func unreadInput(s net.Conn) (int, bool) {
	var n int
	ok := onSocket(s, func(fd int) (err error) {
		n, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return n, ok
}

// onSocket runs f on the descriptor of TCP socket s, and reports whether
// it ran and succeeded: not on another kind of conn, nor on a closed one.
func onSocket(s net.Conn, f func(fd int) error) bool {
	tc, ok := s.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil || ferr != nil {
		return false
	}
	return true
}
